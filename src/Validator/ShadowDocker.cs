using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace EventShadow.Validator;

/// <summary>
/// Result of a command run inside a shadow. <see cref="ExitCode"/> is null when the command did not
/// finish before its deadline. Docker cannot stop an exec, so such a command may still be running.
/// </summary>
public sealed record ExecResult(long? ExitCode, string Output, string ErrorOutput)
{
    public bool Finished => ExitCode is not null;

    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// The Docker Engine API calls of one validation. Each call has a deadline, so a hung engine ends the
/// validation with a <see cref="TimeoutException"/> instead of blocking the consumer.
/// </summary>
internal sealed class ShadowDocker(IDockerClient docker, TimeSpan callTimeout, TimeProvider time)
{
    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Inspects the shadow container, or returns null when Docker has no container of that id.
    /// </summary>
    public async Task<ContainerInspectResponse?> InspectShadowAsync(string shadowId, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(
                $"inspecting shadow {shadowId}",
                token => docker.Containers.InspectContainerAsync(shadowId, token),
                callTimeout,
                cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Inspects the workload's exec, or returns <see cref="WorkloadState.NotFound"/> when Docker has no exec of that id.
    /// </summary>
    public async Task<WorkloadState> InspectWorkloadAsync(string execId, CancellationToken cancellationToken)
    {
        ContainerExecInspectResponse exec;
        try
        {
            exec = await CallAsync(
                $"inspecting workload exec {execId}",
                token => docker.Exec.InspectContainerExecAsync(execId, token),
                callTimeout,
                cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return WorkloadState.NotFound;
        }

        // Docker reports an exit code only once the process ended, or failed to start (126, 127).
        var ended = !exec.Running && exec.ExitCode is not null;
        var started = exec.Running || ended;
        var program = exec.ProcessConfig?.Entrypoint is { Length: > 0 } entrypoint ? Path.GetFileName(entrypoint) : null;
        return new WorkloadState(true, started, ended ? exec.ExitCode : null, ended ? time.GetUtcNow() : null, program);
    }

    /// <summary>
    /// Runs <paramref name="command"/> in the shadow and waits up to <paramref name="timeout"/> for its output
    /// and exit code. Raises <see cref="DockerApiException"/> when Docker rejects the exec, for example with
    /// 409 Conflict because the shadow is no longer running.
    /// </summary>
    public async Task<ExecResult> RunAsync(
        string shadowId, IReadOnlyList<string> command, string? user, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;

        var execId = "";
        try
        {
            var created = await docker.Exec.CreateContainerExecAsync(shadowId, new ContainerExecCreateParameters
            {
                Cmd = [.. command],
                User = user ?? "",
                AttachStdout = true,
                AttachStderr = true,
            }, token);
            execId = created.ID;

            string output;
            string errorOutput;
            using (var stream = await docker.Exec.StartContainerExecAsync(execId, new ContainerExecStartParameters { Detach = false }, token))
            {
                (output, errorOutput) = await stream.ReadOutputToEndAsync(token);
            }

            // The output can end a moment before Docker records the exit code.
            var exec = await docker.Exec.InspectContainerExecAsync(execId, token);
            while (exec.Running)
            {
                await Task.Delay(ExitPollInterval, time, token);
                exec = await docker.Exec.InspectContainerExecAsync(execId, token);
            }

            return new ExecResult(exec.ExitCode, output, errorOutput);
        }
        catch (Exception ex) when (ex is not DockerApiException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var stage = execId.Length == 0 ? "was not created" : "did not finish";
            return new ExecResult(null, "", $"`{string.Join(' ', command)}` {stage} within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static async Task<T> CallAsync<T>(
        string operation, Func<CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await call(deadline.Token);
        }
        catch (Exception ex) when (ex is not DockerApiException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The Docker engine did not finish {operation} within {timeout.TotalSeconds:0.#} s.", ex);
        }
    }
}
