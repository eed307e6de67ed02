using System.Globalization;
using EventShadow.Contracts;

namespace EventShadow.Validator;

/// <summary>
/// What one run of a suite's smoke load did.
/// </summary>
/// <param name="Plan">The load as configured.</param>
/// <param name="ExitCode">Exit code of the bounded command; null when Docker reported none before the deadline.</param>
/// <param name="TimedOut">The load was still running at its time limit and was stopped.</param>
/// <param name="StartedAt">When the load started.</param>
/// <param name="Duration">Time from its start to its end, or to the deadline.</param>
/// <param name="Reading">The numbers and errors read from its output.</param>
/// <param name="ErrorLine">The output line that best explains a failure; null when the output is empty.</param>
/// <param name="Before">Cgroup counters just before the load.</param>
/// <param name="After">Cgroup counters just after the load.</param>
/// <param name="CleanedUp">Whether the cleanup command succeeded; null when there is none or it did not run.</param>
public sealed record SmokeLoadObservation(
    SmokeLoadPlan Plan,
    long? ExitCode,
    bool TimedOut,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    SmokeLoadReading Reading,
    string? ErrorLine,
    CgroupStats Before,
    CgroupStats After,
    bool? CleanedUp = null)
{
    /// <summary>The load did not finish with exit code 0, or its output reports an error.</summary>
    public bool Failed => TimedOut || ExitCode != 0 || Reading.Error is not null;

    /// <summary>OOM kills counted between the two cgroup readings; 0 when either is unknown.</summary>
    public int OomKillsDuring => After.OomKillCount is { } after && Before.OomKillCount is { } before ? Math.Max(0, after - before) : 0;

    public long ThrottledPeriodsDuring => Delta(Before.ThrottledPeriods, After.ThrottledPeriods);

    public long PeriodsDuring => Delta(Before.CpuPeriods, After.CpuPeriods);

    public SmokeLoadMeasurements ToMeasurements() => new(
        Plan.Name,
        Plan.CommandLine,
        ExitCode is { } code ? (int)code : null,
        TimedOut,
        Math.Round(Duration.TotalSeconds, 2),
        Reading.Summary,
        Reading.RequestsPerSecond is { } rps ? Math.Round(rps, 1) : null,
        Failed ? Reading.Error ?? ErrorLine : null,
        OomKillsDuring,
        ThrottledPeriodsDuring,
        PeriodsDuring,
        CleanedUp);

    private static long Delta(long? before, long? after) => after is { } end && before is { } start ? Math.Max(0, end - start) : 0;
}

/// <summary>
/// The rules about smoke loads and memory headroom.
/// </summary>
public static partial class ValidationRules
{
    /// <summary>
    /// Returns the share of the memory limit left free at peak use, in percent, or null when the peak is unknown.
    /// </summary>
    public static double? HeadroomPercent(ValidationObservation observation)
    {
        var limit = observation.Shadow.Allocation.MemoryMiB;
        if (observation.Cgroup.PeakMemoryMiB is not { } peak || limit <= 0)
        {
            return null;
        }

        return Math.Max(0, (limit - peak) / limit * 100);
    }

    private static bool IsHeadroomFailure(ValidationObservation observation) =>
        observation.Suite?.MinMemoryHeadroomPercent is { } minimum && minimum > 0 &&
        HeadroomPercent(observation) is { } headroom && headroom < minimum;

    private static bool BelowMinimumThroughput(SmokeLoadObservation load) =>
        load.Plan.MinRequestsPerSecond is { } minimum &&
        (load.Reading.RequestsPerSecond is not { } rate || rate < minimum);

    /// <summary>
    /// Says when the OOM kills happened relative to the smoke load. Returns null without a smoke load,
    /// or when the counters around it could not be read.
    /// </summary>
    private static string? OomPhase(ValidationObservation observation)
    {
        if (observation.SmokeLoad is not { Before.OomKillCount: not null, After.OomKillCount: not null } load)
        {
            return null;
        }

        var name = load.Plan.Name;
        if (load.OomKillsDuring > 0)
        {
            return $"during the {name} smoke load";
        }

        return load.Before.OomKillCount > 0 ? $"before the {name} smoke load" : $"after the {name} smoke load";
    }

    /// <summary>
    /// Says whether the workload survived, for example <c>the workload redis-server exited with code 137 (...)</c>.
    /// </summary>
    private static string? WorkloadOutcome(ValidationObservation observation)
    {
        var program = observation.WorkloadProgram is { Length: > 0 } name ? $"the workload {name}" : "the workload";
        var workload = observation.Workload;
        if (!workload.Found || !workload.Started)
        {
            return null;
        }

        if (workload.ExitCode is not { } code)
        {
            return observation.ShadowProblem is null ? $"{program} kept running" : null;
        }

        var meaning = DescribeExitCode(code) is { } description ? $" ({description})" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{program} exited with code {code}{meaning}");
    }

    private static string SmokeLoadReason(SmokeLoadObservation load, ValidationObservation observation)
    {
        var plan = load.Plan;
        var subject = $"the {plan.Name} smoke load";

        string reason;
        if (load.TimedOut)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"{subject} did not finish within its {plan.Timeout.TotalSeconds:0} s limit and was stopped");
        }
        else if (load.ExitCode is not { } exitCode)
        {
            reason = $"{subject} reported no exit code: Docker did not answer before the deadline";
        }
        else if (exitCode != 0)
        {
            var meaning = DescribeExitCode(exitCode) is { } description ? $" ({description})" : "";
            var detail = load.Reading.Error ?? load.ErrorLine;
            reason = string.Create(CultureInfo.InvariantCulture, $"{subject} failed with exit code {exitCode}{meaning}")
                + (detail is null ? "" : $": {detail}");
        }
        else if (load.Reading.Error is { } error)
        {
            reason = $"{subject} failed: {error}";
        }
        else
        {
            var key = $"Validation:Suites:{observation.Suite?.Name}:Thresholds:MinRequestsPerSecond";
            var reached = load.Reading.RequestsPerSecond is { } rate
                ? string.Create(CultureInfo.InvariantCulture, $"reached {rate:0} requests/s")
                : "reported no throughput";
            reason = string.Create(CultureInfo.InvariantCulture,
                $"{subject} {reached}, below the suite's minimum of {plan.MinRequestsPerSecond:0} ({key})");
        }

        return KnownCause(load) is { } cause ? $"{reason}; {cause}" : reason;
    }

    /// <summary>
    /// Explains errors whose fix is a setting of the workload rather than more CPU or memory.
    /// </summary>
    private static string? KnownCause(SmokeLoadObservation load)
    {
        var error = $"{load.Reading.Error} {load.ErrorLine}";
        if (error.Contains("OOM command not allowed", StringComparison.Ordinal))
        {
            return "Redis rejected writes at its maxmemory setting: raise maxmemory or set an eviction policy such as allkeys-lru";
        }

        if (error.Contains("too many clients", StringComparison.OrdinalIgnoreCase))
        {
            return "the server accepts fewer connections than the smoke load opens: raise its connection limit or lower the load's client count";
        }

        return null;
    }

    /// <summary>
    /// Reports CPU throttling while the smoke load ran, when it is high enough to explain a slow or stopped load.
    /// </summary>
    private static string? SmokeLoadThrottlingReason(SmokeLoadObservation load, ValidationObservation observation)
    {
        var periods = load.PeriodsDuring;
        var throttled = load.ThrottledPeriodsDuring;
        if (periods == 0 || (double)throttled / periods < ThrottlingWorthReporting)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"CPU was throttled in {throttled} of {periods} scheduling periods ({(double)throttled / periods * 100:0}%) during the {load.Plan.Name} smoke load at the {observation.Shadow.Allocation.CpuMillicores}m CPU limit");
    }

    private static string HeadroomReason(ValidationObservation observation)
    {
        var limit = observation.Shadow.Allocation.MemoryMiB;
        var peak = observation.Cgroup.PeakMemoryMiB ?? 0;
        var headroom = HeadroomPercent(observation) ?? 0;
        var suite = observation.Suite!;
        return string.Create(CultureInfo.InvariantCulture,
            $"peak use {peak:0} MiB left {headroom:0.#}% of the {limit} MiB memory limit free, less than the suite's minimum of {suite.MinMemoryHeadroomPercent:0.#}% " +
            $"(Validation:Suites:{suite.Name}:Thresholds:MinMemoryHeadroomPercent); no process was killed, and peak use includes page cache");
    }
}
