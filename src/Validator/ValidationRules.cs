using System.Globalization;
using EventShadow.Contracts;

namespace EventShadow.Validator;

/// <summary>
/// Everything one validation saw in a shadow, before any verdict.
/// </summary>
/// <param name="Shadow">The event that asked for the validation.</param>
/// <param name="ShadowProblem">
/// Why the shadow could not be validated, completing the sentence "shadow ID …", for example
/// <c>was not found on the Docker engine</c>. Null when it existed and ran.
/// </param>
/// <param name="Workload">State of the workload process when observation ended.</param>
/// <param name="Readiness">Outcome of the readiness command.</param>
/// <param name="Cgroup">Counters read from the shadow's cgroup at the end.</param>
/// <param name="DockerReportedOomKill">Docker's <c>State.OOMKilled</c> flag of the shadow.</param>
/// <param name="Observed">Time from the start of the validation to the end of observation.</param>
/// <param name="Suite">The suite that ran; null for a validation without suite, which has no smoke load or thresholds.</param>
/// <param name="SmokeLoad">What the suite's smoke load did; null when it has none or it did not run.</param>
/// <param name="PeakSettled">The peak memory stopped growing before observation ended; see <see cref="ValidationMeasurements.PeakSettled"/>.</param>
/// <param name="WorkloadProgram">Program of the workload process as Docker reports it, such as <c>redis-server</c>; null when unknown.</param>
public sealed record ValidationObservation(
    ShadowConfigured Shadow,
    string? ShadowProblem,
    WorkloadState Workload,
    ReadinessOutcome Readiness,
    CgroupStats Cgroup,
    bool DockerReportedOomKill,
    TimeSpan Observed,
    ValidationSuite? Suite = null,
    SmokeLoadObservation? SmokeLoad = null,
    string? WorkloadProgram = null,
    bool? PeakSettled = null);

/// <summary>
/// The workload process, as Docker's exec inspection shows it.
/// </summary>
/// <param name="Found">Docker has an exec of that id.</param>
/// <param name="Started">The process was started: it runs, or it ran and has an exit code.</param>
/// <param name="ExitCode">Exit code once the process ended, null while it runs.</param>
/// <param name="EndSeenAt">When the validation first saw the process ended.</param>
/// <param name="Program">File name of the program the exec runs, such as <c>redis-server</c>; null when unknown.</param>
public sealed record WorkloadState(bool Found, bool Started, long? ExitCode, DateTimeOffset? EndSeenAt, string? Program = null)
{
    public static readonly WorkloadState NotFound = new(false, false, null, null);

    public bool Ended => ExitCode is not null;
}

/// <summary>
/// Result of running the readiness command until it passed, the workload ended or the timeout passed.
/// </summary>
/// <param name="Probe">The readiness command, or null when the workload has none.</param>
/// <param name="Timeout">Time the command had to pass.</param>
/// <param name="TimeToReady">
/// Time from <see cref="ShadowConfigured.ConfiguredAt"/> (when the PoolManager started the workload) until
/// the first passing run. Readiness is only seen when a run passes, so this is an upper bound that also
/// includes any delay before the validation started. Null when the command never passed.
/// </param>
/// <param name="Attempts">Runs of the command.</param>
/// <param name="LastExitCode">Exit code of the last run that finished, or null when none finished.</param>
/// <param name="LastOutput">Output of the last failed run, shortened.</param>
public sealed record ReadinessOutcome(
    ReadinessProbe? Probe,
    TimeSpan Timeout,
    TimeSpan? TimeToReady,
    int Attempts,
    long? LastExitCode,
    string? LastOutput)
{
    public static ReadinessOutcome NotRun(ReadinessProbe? probe, TimeSpan timeout) => new(probe, timeout, null, 0, null, null);

    /// <summary>
    /// True when the command passed or there is none to run.
    /// </summary>
    public bool Passed => Probe is null || TimeToReady is not null;
}

/// <summary>
/// Verdict of a validation: passed when <see cref="Failure"/> is null.
/// </summary>
/// <param name="Reasons">What went wrong, in words an operator can act on. Empty when passed.</param>
public sealed record ValidationVerdict(ValidationFailure? Failure, IReadOnlyList<string> Reasons)
{
    public bool Passed => Failure is null;
}

/// <summary>
/// Turns an observation into a verdict and measurements. Pure, so that every rule has a unit test.
/// </summary>
public static partial class ValidationRules
{
    /// <summary>
    /// Share of throttled CFS periods from which a failure also reports CPU throttling, because then
    /// the CPU limit may be what kept the workload from getting ready.
    /// </summary>
    public const double ThrottlingWorthReporting = 0.25;

    /// <summary>
    /// Decides the verdict. The order matters because the saga renegotiates memory only on
    /// <see cref="ValidationFailure.OutOfMemory"/>: any OOM kill wins, then a workload or shadow that
    /// ended (unless a task that runs to completion exited with code 0), then a readiness command that
    /// never passed, then a smoke load that failed, then too little memory headroom.
    /// </summary>
    public static ValidationVerdict Decide(ValidationObservation observation)
    {
        var failure = FailureOf(observation);
        if (failure is null)
        {
            return new ValidationVerdict(null, []);
        }

        List<string> reasons = [PrimaryReason(failure.Value, observation)];

        // After an OOM kill or an exit, the smoke load's own error shows what the workload was doing.
        if (failure is ValidationFailure.OutOfMemory or ValidationFailure.Exited && observation.SmokeLoad is { Failed: true } load)
        {
            reasons.Add(SmokeLoadReason(load, observation));
        }

        if (failure == ValidationFailure.SmokeLoadFailed && observation.SmokeLoad is { } smokeLoad)
        {
            if (SmokeLoadThrottlingReason(smokeLoad, observation) is { } smokeThrottling)
            {
                reasons.Add(smokeThrottling);
            }
        }
        else if (ThrottlingReason(observation) is { } throttling)
        {
            reasons.Add(throttling);
        }

        return new ValidationVerdict(failure, reasons);
    }

    public static ValidationMeasurements Measure(ValidationObservation observation)
    {
        var oomKills = OomKillCount(observation);
        var workload = observation.Workload;

        return new ValidationMeasurements(
            Started: workload.Started,
            StayedUp: observation.ShadowProblem is null && workload.Started && !workload.Ended,
            OomKilled: oomKills > 0,
            OomKillCount: oomKills,
            PeakMemoryMiB: Math.Round(observation.Cgroup.PeakMemoryMiB ?? 0, 1),
            ExitCode: workload.ExitCode is { } code ? (int)code : null,
            TimeToReadySeconds: observation.Readiness.TimeToReady is { } ready ? Math.Round(ready.TotalSeconds, 2) : null,
            ThrottledPeriods: observation.Cgroup.ThrottledPeriods ?? 0,
            TotalPeriods: observation.Cgroup.CpuPeriods ?? 0,
            WatchedSeconds: Math.Round(observation.Observed.TotalSeconds, 2),
            Suite: observation.Suite?.Name,
            SmokeLoad: observation.SmokeLoad?.ToMeasurements(),
            MemoryHeadroomPercent: HeadroomPercent(observation) is { } headroom ? Math.Round(headroom, 1) : null,
            PeakSettled: workload.Ended || observation.PeakSettled == true ? true : observation.PeakSettled);
    }

    /// <summary>
    /// Builds the event to append: <see cref="ValidationPassed"/> or <see cref="ValidationFailed"/>.
    /// </summary>
    public static object ToEvent(ShadowConfigured shadow, ValidationVerdict verdict, ValidationMeasurements measurements)
    {
        return verdict.Failure is { } failure
            ? new ValidationFailed(shadow.NegotiationId, shadow.Attempt, shadow.ShadowId, failure, verdict.Reasons, measurements)
            : new ValidationPassed(shadow.NegotiationId, shadow.Attempt, shadow.ShadowId, measurements);
    }

    /// <summary>
    /// Counts OOM kills from the cgroup, or 1 when only Docker's flag shows one.
    /// </summary>
    public static int OomKillCount(ValidationObservation observation)
    {
        var counted = observation.Cgroup.OomKillCount ?? 0;
        return observation.DockerReportedOomKill ? Math.Max(counted, 1) : counted;
    }

    /// <summary>
    /// Explains an exit code the way a shell does: 126 and 127 come from a command that could not run,
    /// codes above 128 from a signal.
    /// </summary>
    public static string? DescribeExitCode(long exitCode)
    {
        return exitCode switch
        {
            126 => "the command was found but could not be executed",
            127 => "the command was not found in the image",
            137 => "killed by SIGKILL, often the OOM killer or a forced stop",
            143 => "stopped by SIGTERM",
            > 128 and < 160 => string.Create(CultureInfo.InvariantCulture, $"killed by signal {exitCode - 128}"),
            _ => null,
        };
    }

    private static ValidationFailure? FailureOf(ValidationObservation observation)
    {
        if (OomKillCount(observation) > 0)
        {
            return ValidationFailure.OutOfMemory;
        }

        var workload = observation.Workload;
        if (observation.ShadowProblem is null && workload.Started && workload.ExitCode == 0 && observation.Shadow.RunsToCompletion)
        {
            return null;
        }

        if (observation.ShadowProblem is not null || !workload.Started || workload.Ended)
        {
            return ValidationFailure.Exited;
        }

        if (!observation.Readiness.Passed)
        {
            return ValidationFailure.NotReady;
        }

        if (observation.SmokeLoad is { } load && (load.Failed || BelowMinimumThroughput(load)))
        {
            return ValidationFailure.SmokeLoadFailed;
        }

        // NOTE: too little headroom reuses OutOfMemory so that the saga grows memory, but the saga's
        // rationale then speaks of an OOM kill with 0 kills; a failure kind of its own would fix that.
        return IsHeadroomFailure(observation) ? ValidationFailure.OutOfMemory : null;
    }

    private static string PrimaryReason(ValidationFailure failure, ValidationObservation observation)
    {
        return failure switch
        {
            ValidationFailure.OutOfMemory when OomKillCount(observation) == 0 => HeadroomReason(observation),
            ValidationFailure.OutOfMemory => OutOfMemoryReason(observation),
            ValidationFailure.Exited => ExitedReason(observation),
            ValidationFailure.NotReady => NotReadyReason(observation.Readiness),
            ValidationFailure.SmokeLoadFailed => SmokeLoadReason(observation.SmokeLoad!, observation),
            _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, "Unknown validation failure."),
        };
    }

    private static string OutOfMemoryReason(ValidationObservation observation)
    {
        var limit = observation.Shadow.Allocation.MemoryMiB;
        var peak = observation.Cgroup.PeakMemoryMiB is { } mib
            ? string.Create(CultureInfo.InvariantCulture, $"peak use {mib:0} MiB")
            : "peak use not measured";

        if (observation.Cgroup.OomKillCount is not { } count || count == 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the kernel killed a process for exceeding the {limit} MiB memory limit (Docker reports the OOM kill; the cgroup counters could not be read); {peak}");
        }

        var processes = count == 1 ? "1 process" : string.Create(CultureInfo.InvariantCulture, $"{count} processes");
        var when = OomPhase(observation) is { } phase ? $" {phase}" : "";
        var outcome = WorkloadOutcome(observation) is { } workload ? $"; {workload}" : "";
        return string.Create(CultureInfo.InvariantCulture, $"the kernel killed {processes} for exceeding the {limit} MiB memory limit{when}; {peak}{outcome}");
    }

    private static string ExitedReason(ValidationObservation observation)
    {
        var shadow = observation.Shadow;
        if (observation.ShadowProblem is { } problem)
        {
            return $"shadow {shadow.ShadowId} {problem}";
        }

        var workload = observation.Workload;
        if (!workload.Found)
        {
            return $"workload exec {shadow.WorkloadExecId} was not found on the Docker engine, so the workload in shadow {shadow.ShadowId} cannot be observed";
        }

        if (!workload.Started)
        {
            return $"workload exec {shadow.WorkloadExecId} in shadow {shadow.ShadowId} was created but never started";
        }

        var code = workload.ExitCode ?? 0;
        var meaning = DescribeExitCode(code) is { } description ? $" ({description})" : "";
        var seenAt = workload.EndSeenAt ?? shadow.ConfiguredAt;
        var afterStart = Math.Max(0, (seenAt - shadow.ConfiguredAt).TotalSeconds);
        var program = observation.WorkloadProgram is { Length: > 0 } name ? $"the workload {name}" : "the workload";
        var duringLoad = observation.SmokeLoad is { } load && seenAt >= load.StartedAt ? $", after the {load.Plan.Name} smoke load started" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{program} exited with code {code}{meaning} within {afterStart:0.0} s of its start (seen ended at {seenAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z){duringLoad}");
    }

    private static string NotReadyReason(ReadinessOutcome readiness)
    {
        var command = string.Join(' ', readiness.Probe?.Command ?? []);
        var user = readiness.Probe?.User is { Length: > 0 } name ? $" as user {name}" : "";
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"readiness command `{command}`{user} did not exit with 0 within {readiness.Timeout.TotalSeconds:0.#} s");

        if (readiness.LastExitCode is not { } exitCode)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{reason}; none of its {readiness.Attempts} runs finished in time");
        }

        var meaning = DescribeExitCode(exitCode) is { } description ? $" ({description})" : "";
        var output = string.IsNullOrWhiteSpace(readiness.LastOutput) ? "" : $", output: {readiness.LastOutput}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{reason}; {readiness.Attempts} runs, the last exited with code {exitCode}{meaning}{output}");
    }

    private static string? ThrottlingReason(ValidationObservation observation)
    {
        if (observation.Cgroup.CpuPeriods is not { } periods || periods == 0 || observation.Cgroup.ThrottledPeriods is not { } throttled)
        {
            return null;
        }

        var share = (double)throttled / periods;
        if (share < ThrottlingWorthReporting)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"CPU was throttled in {throttled} of {periods} scheduling periods ({share * 100:0}%) at the {observation.Shadow.Allocation.CpuMillicores}m CPU limit");
    }
}
