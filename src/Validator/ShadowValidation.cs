using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// Verdict and measurements of one validation.
/// </summary>
public sealed record ValidationReport(ValidationVerdict Verdict, ValidationMeasurements Measurements)
{
    /// <summary>
    /// Builds the event to append: <see cref="ValidationPassed"/> or <see cref="ValidationFailed"/>.
    /// </summary>
    public object ToEvent(ShadowConfigured shadow) => ValidationRules.ToEvent(shadow, Verdict, Measurements);
}

/// <summary>
/// Validates a configured shadow through the Docker Engine API with a validation suite: checks that it
/// runs, runs the readiness check until it passes, runs the suite's smoke load, watches the workload,
/// and reads the shadow's cgroup counters.
/// </summary>
/// <remarks>
/// The validation leaves the shadow running its workload. The smoke load has ended by then (it runs
/// under <c>timeout</c>), and the suite's cleanup command has removed what it wrote, when the suite
/// has one and the workload still runs. Removing the shadow is the PoolManager's job.
/// </remarks>
public sealed partial class ShadowValidation(
    IDockerClient docker, IOptions<ValidationOptions> options, TimeProvider time, ILogger<ShadowValidation> logger)
{
    private const int OutputLimit = 300;

    /// <summary>
    /// Validates <paramref name="shadow"/> with the suite of its workload profile.
    /// </summary>
    public Task<ValidationReport> ValidateAsync(ShadowConfigured shadow, CancellationToken cancellationToken) =>
        ValidateAsync(shadow, ValidationSuites.ForProfile(options.Value, shadow.Profile), cancellationToken);

    /// <summary>
    /// Validates <paramref name="shadow"/> with <paramref name="suite"/>. Raises <see cref="TimeoutException"/>
    /// when the Docker engine does not respond in time, so the whole validation never takes longer than
    /// <see cref="ValidationSuite.Timeout"/>.
    /// </summary>
    public async Task<ValidationReport> ValidateAsync(ShadowConfigured shadow, ValidationSuite suite, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var timeout = suite.Timeout(settings);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);

        ValidationObservation observation;
        try
        {
            observation = await ObserveAsync(shadow, suite, settings, bounded.Token);
        }
        catch (Exception ex) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Validation of shadow {shadow.ShadowId} with suite {suite.Name} did not finish within {timeout.TotalSeconds:0} s because the Docker engine responds too slowly."), ex);
        }

        return new ValidationReport(ValidationRules.Decide(observation), ValidationRules.Measure(observation));
    }

    /// <summary>
    /// Returns why <paramref name="shadow"/> cannot be validated now, such as a removed shadow or an
    /// ended workload, as a sentence an operator can act on; null when its workload runs.
    /// </summary>
    public async Task<string?> FindProblemAsync(ShadowConfigured shadow, CancellationToken cancellationToken)
    {
        var calls = new ShadowDocker(docker, options.Value.DockerCallTimeout, time);
        var container = await calls.InspectShadowAsync(shadow.ShadowId, cancellationToken);
        if (ProblemOf(container, during: false) is { } problem)
        {
            return $"shadow {shadow.ShadowId} {problem}";
        }

        var workload = await calls.InspectWorkloadAsync(shadow.WorkloadExecId, cancellationToken);
        if (!workload.Found)
        {
            return $"workload exec {shadow.WorkloadExecId} of shadow {shadow.ShadowId} was not found on the Docker engine, so there is no workload to validate";
        }

        if (workload.ExitCode is { } exitCode)
        {
            var program = workload.Program is { Length: > 0 } name ? $"the workload {name}" : "the workload";
            var meaning = ValidationRules.DescribeExitCode(exitCode) is { } description ? $" ({description})" : "";
            return string.Create(CultureInfo.InvariantCulture,
                $"{program} in shadow {shadow.ShadowId} has already exited with code {exitCode}{meaning}; a validation needs a running workload");
        }

        return null;
    }

    private async Task<ValidationObservation> ObserveAsync(
        ShadowConfigured shadow, ValidationSuite suite, ValidationOptions settings, CancellationToken cancellationToken)
    {
        var calls = new ShadowDocker(docker, settings.DockerCallTimeout, time);
        var startedAt = time.GetUtcNow();
        var probe = suite.Readiness ?? shadow.Readiness;
        var notRun = ReadinessOutcome.NotRun(probe, suite.ReadinessTimeout);

        var container = await calls.InspectShadowAsync(shadow.ShadowId, cancellationToken);
        if (ProblemOf(container, during: false) is { } problem)
        {
            return new ValidationObservation(
                shadow, problem, WorkloadState.NotFound, notRun, CgroupStats.Unknown,
                container?.State?.OOMKilled ?? false, time.GetUtcNow() - startedAt, suite);
        }

        WarnIfLimitsDiffer(shadow, container!);

        var workload = await calls.InspectWorkloadAsync(shadow.WorkloadExecId, cancellationToken);
        var program = workload.Program;
        var readiness = notRun;
        if (IsRunning(workload) && probe is not null)
        {
            (readiness, workload) = await AwaitReadinessAsync(calls, shadow, probe, workload, startedAt + suite.ReadinessTimeout, suite.ReadinessTimeout, settings, cancellationToken);
        }

        // A task that runs to completion is its own load, so it gets no smoke load.
        SmokeLoadObservation? smokeLoad = null;
        if (IsRunning(workload) && readiness.Passed && suite.SmokeLoad is { } plan && !shadow.RunsToCompletion)
        {
            smokeLoad = await RunSmokeLoadAsync(calls, shadow, plan, settings, cancellationToken);
            workload = await NextStateAsync(calls, shadow, workload, cancellationToken);
        }

        bool? peakSettled = null;
        if (IsRunning(workload) && readiness.Passed)
        {
            (workload, peakSettled) = await WatchUntilSettledAsync(calls, shadow, workload, settings, cancellationToken);
        }

        var observedUntil = time.GetUtcNow();
        var cgroup = await ReadCgroupAsync(calls, shadow, settings, cancellationToken);

        if (smokeLoad is { Plan.Cleanup.Count: > 0 } && IsRunning(workload))
        {
            smokeLoad = smokeLoad with { CleanedUp = await CleanUpAsync(calls, shadow, smokeLoad.Plan, settings, cancellationToken) };
        }

        // A shadow that stopped or vanished meanwhile explains an exec that failed or disappeared.
        container = await calls.InspectShadowAsync(shadow.ShadowId, cancellationToken);
        return new ValidationObservation(
            shadow, ProblemOf(container, during: true), workload, readiness, cgroup,
            container?.State?.OOMKilled ?? false, observedUntil - startedAt, suite, smokeLoad, program, peakSettled);
    }

    /// <summary>
    /// Watches the workload until its peak memory has settled (<see cref="PeakSettling"/>): for
    /// <see cref="ValidationOptions.WatchSeconds"/>, or from <see cref="ValidationOptions.MinWatchSeconds"/>
    /// on when that is set and the peak grew by at most <see cref="ValidationOptions.SettleGrowthPercent"/>
    /// over the last <see cref="ValidationOptions.SettleSeconds"/>, and past it while the peak still grows,
    /// up to <see cref="ValidationOptions.MaxSettleSeconds"/> more. A workload that fills its memory slowly
    /// would otherwise pass with a peak far below its real one.
    /// </summary>
    /// <returns>The workload's state, and whether the peak settled; null when it could not be read.</returns>
    private async Task<(WorkloadState Workload, bool? PeakSettled)> WatchUntilSettledAsync(
        ShadowDocker calls, ShadowConfigured shadow, WorkloadState workload, ValidationOptions settings, CancellationToken cancellationToken)
    {
        var watchStart = time.GetUtcNow();
        if (settings.SettleSeconds == 0)
        {
            return (await WatchAsync(calls, shadow, workload, watchStart + settings.Watch, settings, cancellationToken), null);
        }

        // The watch before the first window adds no reading, so a workload whose peak is flat adds no time.
        workload = await WatchAsync(calls, shadow, workload, watchStart + PeakSettling.FirstWindowEnd(settings) - settings.Settle, settings, cancellationToken);
        while (IsRunning(workload))
        {
            var before = await ReadPeakAsync(calls, shadow, settings, cancellationToken);
            workload = await WatchAsync(calls, shadow, workload, time.GetUtcNow() + settings.Settle, settings, cancellationToken);
            if (!IsRunning(workload))
            {
                break;
            }

            var after = await ReadPeakAsync(calls, shadow, settings, cancellationToken);
            if (before is null || after is null)
            {
                return (workload, null);
            }

            switch (PeakSettling.Next(time.GetUtcNow() - watchStart, before.Value, after.Value, settings))
            {
                case WatchStep.Settled:
                    return (workload, true);

                case WatchStep.StillGrowing:
                    logger.LogInformation(
                        "Peak memory of shadow {ShadowId} (negotiation {NegotiationId} attempt {Attempt}) still grew from {Before} to {After} bytes when the watch ran out",
                        shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, before, after);
                    return (workload, false);
            }
        }

        // The workload ended during the watch, so the peak covers its whole run.
        return (workload, true);
    }

    /// <summary>
    /// Runs the readiness command every poll interval until it exits with 0, the workload ends, or the
    /// deadline passes. Each run may take up to the time left before the deadline.
    /// </summary>
    private async Task<(ReadinessOutcome Readiness, WorkloadState Workload)> AwaitReadinessAsync(
        ShadowDocker calls,
        ShadowConfigured shadow,
        ReadinessProbe probe,
        WorkloadState workload,
        DateTimeOffset deadline,
        TimeSpan timeout,
        ValidationOptions settings,
        CancellationToken cancellationToken)
    {
        var attempts = 0;
        long? lastExitCode = null;
        string? lastOutput = null;

        while (true)
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return (new ReadinessOutcome(probe, timeout, null, attempts, lastExitCode, lastOutput), workload);
            }

            ExecResult result;
            try
            {
                result = await calls.RunAsync(shadow.ShadowId, probe.Command, probe.User, remaining, cancellationToken);
            }
            catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // 409 or 404: the shadow stopped, was paused or was removed. The final inspection names the state.
                logger.LogWarning(
                    "Docker rejected the readiness command in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Error}",
                    shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, ex.ResponseBody);
                return (new ReadinessOutcome(probe, timeout, null, attempts, lastExitCode, lastOutput), workload);
            }

            attempts++;
            if (result.Succeeded)
            {
                var timeToReady = time.GetUtcNow() - shadow.ConfiguredAt;
                return (new ReadinessOutcome(probe, timeout, timeToReady < TimeSpan.Zero ? TimeSpan.Zero : timeToReady, attempts, 0, null), workload);
            }

            if (result.Finished)
            {
                lastExitCode = result.ExitCode;
                lastOutput = Shorten(result.Output + result.ErrorOutput);
            }

            logger.LogDebug(
                "Readiness run {Run} in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} failed with exit code {ExitCode}",
                attempts, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, result.ExitCode);

            workload = await NextStateAsync(calls, shadow, workload, cancellationToken);
            if (!IsRunning(workload))
            {
                return (new ReadinessOutcome(probe, timeout, null, attempts, lastExitCode, lastOutput), workload);
            }

            var pause = Min(settings.PollInterval, deadline - time.GetUtcNow());
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Checks the workload every poll interval until <paramref name="watchEnd"/>, or until it ends.
    /// </summary>
    private async Task<WorkloadState> WatchAsync(
        ShadowDocker calls,
        ShadowConfigured shadow,
        WorkloadState workload,
        DateTimeOffset watchEnd,
        ValidationOptions settings,
        CancellationToken cancellationToken)
    {
        while (IsRunning(workload))
        {
            var pause = Min(settings.PollInterval, watchEnd - time.GetUtcNow());
            if (pause <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(pause, time, cancellationToken);
            workload = await NextStateAsync(calls, shadow, workload, cancellationToken);
        }

        return workload;
    }

    /// <summary>
    /// Inspects the workload again. An exec id that vanished after it had been seen means the shadow was
    /// removed, which the final inspection of the shadow reports, so the last known state is kept.
    /// </summary>
    private static async Task<WorkloadState> NextStateAsync(
        ShadowDocker calls, ShadowConfigured shadow, WorkloadState previous, CancellationToken cancellationToken)
    {
        var next = await calls.InspectWorkloadAsync(shadow.WorkloadExecId, cancellationToken);
        return next.Found ? next with { Program = next.Program ?? previous.Program } : previous;
    }

    /// <summary>
    /// Reads the cgroup counters with <c>cat</c> inside the shadow: cgroup v1 files first, else v2. One
    /// <c>cat</c> reads a layout's three files, because each read is a Docker exec, which costs CPU on a
    /// busy host. When that fails, the layout is chosen by the OOM counter file, which both versions
    /// always have, and its files are read one by one.
    /// </summary>
    private async Task<CgroupStats> ReadCgroupAsync(
        ShadowDocker calls, ShadowConfigured shadow, ValidationOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var layout in (CgroupLayout[])[CgroupLayout.V1, CgroupLayout.V2])
            {
                var all = await calls.RunAsync(
                    shadow.ShadowId, ["cat", layout.OomEventsFile, layout.PeakMemoryFile, layout.CpuStatFile], user: null, settings.DockerCallTimeout, cancellationToken);
                if (all.Succeeded)
                {
                    return CgroupFiles.ParseCombined(all.Output);
                }
            }

            foreach (var layout in (CgroupLayout[])[CgroupLayout.V1, CgroupLayout.V2])
            {
                var oomEvents = await CatAsync(calls, shadow, layout.OomEventsFile, settings, cancellationToken);
                if (!oomEvents.Succeeded)
                {
                    continue;
                }

                var peak = await CatAsync(calls, shadow, layout.PeakMemoryFile, settings, cancellationToken);
                var cpu = await CatAsync(calls, shadow, layout.CpuStatFile, settings, cancellationToken);
                var (periods, throttled) = cpu.Succeeded ? CgroupFiles.ParseCpuThrottling(cpu.Output) : (null, null);

                return new CgroupStats(
                    peak.Succeeded ? CgroupFiles.ParseSingleValue(peak.Output) : null,
                    CgroupFiles.ParseOomKillCount(oomEvents.Output),
                    periods,
                    throttled);
            }
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            logger.LogWarning(
                "Docker rejected reading the cgroup of shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Error}",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, ex.ResponseBody);
            return CgroupStats.Unknown;
        }

        // NOTE: an image without `cat` ends up here, and then only Docker's OOMKilled flag shows OOM kills.
        logger.LogWarning(
            "Could not read the cgroup of shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: `cat` failed on both {V1File} and {V2File}; peak memory and the OOM kill count are unknown",
            shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, CgroupLayout.V1.OomEventsFile, CgroupLayout.V2.OomEventsFile);
        return CgroupStats.Unknown;
    }

    /// <summary>
    /// Reads only the shadow's peak memory in bytes, cgroup v1 first, else v2; null when neither file
    /// can be read. The settle windows need nothing else.
    /// </summary>
    private async Task<long?> ReadPeakAsync(
        ShadowDocker calls, ShadowConfigured shadow, ValidationOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var layout in (CgroupLayout[])[CgroupLayout.V1, CgroupLayout.V2])
            {
                var peak = await CatAsync(calls, shadow, layout.PeakMemoryFile, settings, cancellationToken);
                if (peak.Succeeded)
                {
                    return CgroupFiles.ParseSingleValue(peak.Output);
                }
            }
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            logger.LogWarning(
                "Docker rejected reading the peak memory of shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Error}",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, ex.ResponseBody);
        }

        return null;
    }

    private static Task<ExecResult> CatAsync(
        ShadowDocker calls, ShadowConfigured shadow, string file, ValidationOptions settings, CancellationToken cancellationToken) =>
        calls.RunAsync(shadow.ShadowId, ["cat", file], user: null, settings.DockerCallTimeout, cancellationToken);

    private void WarnIfLimitsDiffer(ShadowConfigured shadow, ContainerInspectResponse container)
    {
        var appliedMiB = (container.HostConfig?.Memory ?? 0) / (1024 * 1024);
        if (appliedMiB != shadow.Allocation.MemoryMiB)
        {
            logger.LogWarning(
                "Shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} has a memory limit of {AppliedMiB} MiB (0 means none), not the proposed {ProposedMiB} MiB; the validation measures the limit it has",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, appliedMiB, shadow.Allocation.MemoryMiB);
        }
    }

    /// <summary>
    /// Completes the sentence "shadow ID …" when the shadow cannot be validated. Returns null when it runs.
    /// </summary>
    private static string? ProblemOf(ContainerInspectResponse? container, bool during)
    {
        if (container is null)
        {
            return during
                ? "was removed during the validation"
                : "was not found on the Docker engine; it may have been released or removed before the validation started";
        }

        var state = container.State;
        if (state is { Running: true, Paused: false })
        {
            return null;
        }

        var status = state?.Status ?? "unknown";
        var when = during ? "stopped running during the validation" : "was not running when the validation started";
        var exitCode = state is { Running: false } ? string.Create(CultureInfo.InvariantCulture, $", exit code {state.ExitCode}") : "";
        return $"{when} (Docker state {status}{exitCode})";
    }

    private static bool IsRunning(WorkloadState workload) => workload is { Found: true, Started: true, Ended: false };

    private static TimeSpan Min(TimeSpan first, TimeSpan second) => first < second ? first : second;

    private static string Shorten(string text)
    {
        var trimmed = text.Trim().ReplaceLineEndings(" ");
        return trimmed.Length <= OutputLimit ? trimmed : string.Concat("…", trimmed.AsSpan(trimmed.Length - OutputLimit));
    }
}
