using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.IntegrationTests.EndToEnd;
using EventShadow.IntegrationTests.PoolManager;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// The four services, each instance its own operating-system process, against one test's event
/// store schema and RabbitMQ virtual host, with its shadows labelled with a pool of their own.
/// Tests kill and restart the processes and read the outcome from the event store and the engine.
/// </summary>
public sealed class ProcessSystem : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Services = ["Negotiator", "PoolManager", "Validator", "CostLedger"];

    private readonly List<ServiceProcess> processes = [];

    /// <param name="infrastructure">Settings that point at PostgreSQL, RabbitMQ and Docker, as <c>--Key=Value</c>.</param>
    /// <param name="instances">How many instances of each service run at once.</param>
    /// <param name="extraSettings">Settings every process gets last, as <c>--Key=Value</c>.</param>
    public ProcessSystem(IReadOnlyList<string> infrastructure, int instances = 1, params string[] extraSettings)
        : this(infrastructure, instances, new Dictionary<string, string[]>(StringComparer.Ordinal), extraSettings)
    {
    }

    /// <param name="serviceSettings">Settings only the named service gets, after all others.</param>
    public ProcessSystem(
        IReadOnlyList<string> infrastructure, int instances, IReadOnlyDictionary<string, string[]> serviceSettings, params string[] extraSettings)
        : this(infrastructure, instances, (service, _, _) => serviceSettings.GetValueOrDefault(service, []), extraSettings)
    {
    }

    /// <param name="instanceSettings">
    /// Settings only one instance of a service gets, after all others, from its service, instance number
    /// and <see cref="InstanceName"/>.
    /// </param>
    public ProcessSystem(
        IReadOnlyList<string> infrastructure, int instances, Func<string, int, string, IEnumerable<string>> instanceSettings, params string[] extraSettings)
    {
        Pool = $"reliability-{Guid.NewGuid():N}"[..24];
        string[] shared =
        [
            .. infrastructure,
            .. RunningSystem.Settings,
            "--Serilog:MinimumLevel:Default=Warning",
            "--Serilog:MinimumLevel:Override:EventShadow=Information",
            $"--Shadows:Pool={Pool}",
            "--Shadows:ReaperIntervalSeconds=5",
            "--Negotiation:DeadlineCheckSeconds=1",
            .. extraSettings,
        ];

        foreach (var service in Services)
        {
            for (var instance = 1; instance <= instances; instance++)
            {
                processes.Add(new ServiceProcess(
                    service, instance, [.. shared, $"--Shadows:InstanceName={InstanceName(instance)}", .. instanceSettings(service, instance, InstanceName(instance))]));
            }
        }
    }

    /// <summary>Label value of every shadow this system's PoolManagers create.</summary>
    public string Pool { get; }

    public IReadOnlyList<ServiceProcess> Processes => processes;

    /// <summary>
    /// The <c>Shadows:InstanceName</c> of the PoolManager numbered <paramref name="instance"/>, the owner
    /// label of its shadows.
    /// </summary>
    public string InstanceName(int instance) => $"{Pool}-{instance}";

    /// <summary>
    /// Starts every process, the Negotiators first: the first one creates the event store's tables.
    /// </summary>
    /// <param name="untilReady">Whether to wait for each service's readiness, or only until it is live.</param>
    public async Task StartAsync(Func<ServiceProcess, bool>? untilReady = null)
    {
        foreach (var process in processes)
        {
            await process.StartAsync(untilReady?.Invoke(process) ?? true);
        }
    }

    public ServiceProcess Get(string service, int instance = 1) =>
        processes.Single(process => process.Service == service && process.Instance == instance);

    /// <summary>An HTTP client for the API of a running Negotiator.</summary>
    public HttpClient CreateApiClient()
    {
        var negotiator = processes.First(process => process.Service == "Negotiator" && process.IsRunning);
        return TestServices.CreateApiClient(negotiator.Address.ToString());
    }

    /// <summary>What every process wrote, for the report of a failed test.</summary>
    public string Output => string.Join('\n', processes.Select(process => process.Output));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(processes))
        {
            await process.DisposeAsync();
        }

        await ShadowDocker.RemovePoolAsync(Pool);
    }
}
