using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EventShadow.IntegrationTests.Infrastructure;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// One EventShadow service running as its own operating-system process (<c>dotnet</c> on the
/// service's build output), on a loopback port of its own, which a test can kill with SIGKILL and
/// start again with the same settings. Everything the process writes is kept for the test's report.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly string[] arguments;
    private readonly StringBuilder output = new();
    private Process? process;
    private int starts;

    /// <param name="service">The project folder under <c>src/</c>, such as <c>PoolManager</c>.</param>
    /// <param name="instance">Number of this instance among those of the same service, from 1.</param>
    /// <param name="settings">Settings as <c>--Key=Value</c>; the content root and a free port are added here.</param>
    public ServiceProcess(string service, int instance, IEnumerable<string> settings)
    {
        Service = service;
        Instance = instance;
        Address = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}");
        arguments = [.. settings, SourceTree.ContentRootArgument(service), $"--urls={Address}"];
    }

    public string Service { get; }

    public int Instance { get; }

    public string Name => $"{Service}#{Instance}";

    /// <summary>Where the process serves HTTP: health checks, and the API for the Negotiator.</summary>
    public Uri Address { get; }

    public bool IsRunning => process is { HasExited: false };

    /// <summary>
    /// Starts the process and waits until <c>/health/ready</c> returns 200, which means its bus is
    /// connected and PostgreSQL (and Docker, for the services that need it) responds. With
    /// <paramref name="untilReady"/> false it waits for <c>/health/live</c> only, for a process whose
    /// dependencies a test keeps away on purpose.
    /// </summary>
    public async Task StartAsync(bool untilReady = true)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SourceTree.ServiceAssembly(Service));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        starts++;
        Append($"----- {Name} start {starts} at {DateTimeOffset.UtcNow:HH:mm:ss.fff} -----");
        var started = Process.Start(start) ?? throw new InvalidOperationException($"dotnet did not start {Name}.");
        started.OutputDataReceived += (_, line) => Append(line.Data);
        started.ErrorDataReceived += (_, line) => Append(line.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;

        await WaitUntilHealthyAsync(started, untilReady ? "/health/ready" : "/health/live");
    }

    /// <summary>
    /// Kills the process with SIGKILL, so that no shutdown code runs, and waits until it is gone.
    /// </summary>
    public async Task KillAsync()
    {
        if (process is not { } running || running.HasExited)
        {
            throw new InvalidOperationException($"{Name} is not running, so it cannot be killed.");
        }

        // Process.Kill sends SIGKILL on Linux.
        running.Kill(entireProcessTree: true);
        await running.WaitForExitAsync();
        Append($"----- {Name} killed with SIGKILL at {DateTimeOffset.UtcNow:HH:mm:ss.fff} -----");
    }

    /// <summary>Everything the process wrote, over all its starts.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { } running)
        {
            if (!running.HasExited)
            {
                running.Kill(entireProcessTree: true);
                await running.WaitForExitAsync();
            }

            running.Dispose();
        }
    }

    private async Task WaitUntilHealthyAsync(Process started, string check)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + ReadyTimeout;
        var last = "(no answer)";
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {started.ExitCode} before it was ready. It wrote:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(check, UriKind.Relative));
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not healthy within {ReadyTimeout}; {check} last returned: {last}. It wrote:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
