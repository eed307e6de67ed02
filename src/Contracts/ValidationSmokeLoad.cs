namespace EventShadow.Contracts;

/// <summary>
/// What a validation suite's smoke load did in the shadow: the load that exercises the workload the
/// way it will be used, such as <c>redis-benchmark</c> against Redis.
/// </summary>
/// <param name="Name">Short name of the load, the program by default, for example <c>pgbench</c>.</param>
/// <param name="Command">The command as run inside the shadow, without the time limit around it.</param>
/// <param name="ExitCode">Exit code of the command; null when Docker did not report one before the deadline.</param>
/// <param name="TimedOut">The command was stopped at its time limit.</param>
/// <param name="DurationSeconds">Seconds from the start of the command to its end or its deadline.</param>
/// <param name="Summary">What the load measured, such as <c>SET 12012 requests/s, GET 13184 requests/s</c>, or the end of its output.</param>
/// <param name="RequestsPerSecond">
/// Throughput the load reported (the slowest test for <c>redis-benchmark</c>, transactions for
/// <c>pgbench</c>); null when its output gave none.
/// </param>
/// <param name="Error">The first error line of its output, when it failed.</param>
/// <param name="OomKillCount">Processes of the shadow the kernel killed for memory while the load ran.</param>
/// <param name="ThrottledPeriods">CFS periods in which the shadow was throttled while the load ran.</param>
/// <param name="TotalPeriods">CFS periods that elapsed while the load ran.</param>
/// <param name="CleanedUp">
/// Whether the suite's cleanup command succeeded afterwards; null when there is none or the workload
/// no longer ran.
/// </param>
public sealed record SmokeLoadMeasurements(
    string Name,
    string Command,
    int? ExitCode,
    bool TimedOut,
    double DurationSeconds,
    string Summary,
    double? RequestsPerSecond,
    string? Error,
    int OomKillCount,
    long ThrottledPeriods,
    long TotalPeriods,
    bool? CleanedUp)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && Error is null;
}
