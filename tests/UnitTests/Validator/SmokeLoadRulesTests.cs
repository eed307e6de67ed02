using EventShadow.Contracts;
using EventShadow.Validator;

namespace EventShadow.UnitTests.Validator;

public sealed class SmokeLoadRulesTests
{
    private const long MiB = 1024 * 1024;

    private static readonly DateTimeOffset ConfiguredAt = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ReadinessProbe RedisPing = new(["redis-cli", "ping"], null);

    private static readonly ShadowConfigured Shadow = new(
        NegotiationId: Guid.Parse("6f1c2d3e-0000-4000-8000-000000000002"),
        Attempt: 1,
        ShadowId: "shadow-2",
        Allocation: new ResourceAllocation(250, 64),
        WorkloadExecId: "exec-2",
        Readiness: RedisPing,
        ConfiguredAt: ConfiguredAt,
        Profile: WorkloadProfile.Cache);

    private static readonly SmokeLoadPlan Benchmark = new(
        "redis-benchmark", ["redis-benchmark", "-t", "set", "--csv"], null, TimeSpan.FromSeconds(20), ["redis-cli", "FLUSHALL"], null);

    private static readonly ValidationSuite Suite = new("Cache", null, TimeSpan.FromSeconds(30), Benchmark, null);

    private static readonly WorkloadState Running = new(true, true, null, null, "redis-server");

    private static readonly ReadinessOutcome Ready = new(RedisPing, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(0.4), 1, 0, null);

    private static readonly CgroupStats Start = new(20 * MiB, 0, 10, 0);

    private static readonly SmokeLoadReading Fast = new("SET 12012 requests/s", 12012, null);

    private static SmokeLoadObservation Load(
        long? exitCode = 0, bool timedOut = false, SmokeLoadReading? reading = null, string? errorLine = null, CgroupStats? after = null) =>
        new(Benchmark, exitCode, timedOut, ConfiguredAt.AddSeconds(1), TimeSpan.FromSeconds(2.5), reading ?? Fast, errorLine, Start, after ?? Start with { PeakMemoryBytes = 30 * MiB, CpuPeriods = 40, ThrottledPeriods = 2 });

    private static ValidationObservation Observation(
        SmokeLoadObservation? load, WorkloadState? workload = null, CgroupStats? cgroup = null, ValidationSuite? suite = null) =>
        new(Shadow, null, workload ?? Running, Ready, cgroup ?? new CgroupStats(30 * MiB, 0, 60, 2), false, TimeSpan.FromSeconds(8), suite ?? Suite, load, "redis-server");

    [Fact]
    public void Passed_smoke_load_is_measured()
    {
        var observation = Observation(Load() with { CleanedUp = true });

        var verdict = ValidationRules.Decide(observation);
        var measurements = ValidationRules.Measure(observation);

        Assert.True(verdict.Passed);
        Assert.Equal("Cache", measurements.Suite);
        var load = measurements.SmokeLoad!;
        Assert.Equal("redis-benchmark", load.Name);
        Assert.Equal("redis-benchmark -t set --csv", load.Command);
        Assert.Equal(0, load.ExitCode);
        Assert.Equal(2.5, load.DurationSeconds);
        Assert.Equal("SET 12012 requests/s", load.Summary);
        Assert.Equal(12012, load.RequestsPerSecond);
        Assert.Null(load.Error);
        Assert.Equal(30, load.TotalPeriods);
        Assert.Equal(2, load.ThrottledPeriods);
        Assert.True(load.CleanedUp);
        Assert.Equal(53.1, measurements.MemoryHeadroomPercent);
    }

    [Fact]
    public void Oom_kill_during_smoke_load_names_load_and_workload()
    {
        var killed = new WorkloadState(true, true, 137, ConfiguredAt.AddSeconds(2), "redis-server");
        var after = new CgroupStats(64 * MiB, 1, 40, 30);
        var load = Load(exitCode: 1, reading: new SmokeLoadReading("redis-benchmark reported no results", null, "Error: Connection reset by peer"), after: after);

        var verdict = ValidationRules.Decide(Observation(load, killed, cgroup: after));

        Assert.Equal(ValidationFailure.OutOfMemory, verdict.Failure);
        Assert.Equal(
            "the kernel killed 1 process for exceeding the 64 MiB memory limit during the redis-benchmark smoke load; peak use 64 MiB; " +
            "the workload redis-server exited with code 137 (killed by SIGKILL, often the OOM killer or a forced stop)",
            verdict.Reasons[0]);
        Assert.Equal("the redis-benchmark smoke load failed with exit code 1: Error: Connection reset by peer", verdict.Reasons[1]);
        Assert.Equal(1, ValidationRules.Measure(Observation(load, killed, cgroup: after)).SmokeLoad!.OomKillCount);
    }

    [Fact]
    public void Oom_kill_before_smoke_load_says_so()
    {
        var before = new CgroupStats(64 * MiB, 2, 10, 0);
        var load = Load() with { Before = before, After = before };

        var reason = ValidationRules.Decide(Observation(load, cgroup: before)).Reasons[0];

        Assert.Contains("killed 2 processes for exceeding the 64 MiB memory limit before the redis-benchmark smoke load", reason, StringComparison.Ordinal);
        Assert.EndsWith("the workload redis-server kept running", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Oom_phase_is_omitted_without_counters()
    {
        var load = Load() with { Before = CgroupStats.Unknown, After = CgroupStats.Unknown };

        var reason = ValidationRules.Decide(Observation(load, cgroup: CgroupStats.Unknown) with { DockerReportedOomKill = true }).Reasons[0];

        Assert.DoesNotContain("smoke load", reason, StringComparison.Ordinal);
        Assert.Contains("Docker reports the OOM kill", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_maxmemory_error_is_smoke_load_failure_with_fix()
    {
        var reading = new SmokeLoadReading("redis-benchmark reported no results", null, "Error from server: OOM command not allowed when used memory > 'maxmemory'.");

        var verdict = ValidationRules.Decide(Observation(Load(exitCode: 1, reading: reading)));

        Assert.Equal(ValidationFailure.SmokeLoadFailed, verdict.Failure);
        Assert.Equal(
            "the redis-benchmark smoke load failed with exit code 1: Error from server: OOM command not allowed when used memory > 'maxmemory'.; " +
            "Redis rejected writes at its maxmemory setting: raise maxmemory or set an eviction policy such as allkeys-lru",
            Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Timed_out_smoke_load_reports_limit_and_throttling()
    {
        var throttled = Start with { CpuPeriods = 210, ThrottledPeriods = 180 };

        var verdict = ValidationRules.Decide(Observation(Load(exitCode: 124, timedOut: true, after: throttled), cgroup: throttled));

        Assert.Equal(ValidationFailure.SmokeLoadFailed, verdict.Failure);
        Assert.Equal("the redis-benchmark smoke load did not finish within its 20 s limit and was stopped", verdict.Reasons[0]);
        Assert.Equal(
            "CPU was throttled in 180 of 200 scheduling periods (90%) during the redis-benchmark smoke load at the 250m CPU limit",
            verdict.Reasons[1]);
    }

    [Fact]
    public void Error_in_output_fails_load_despite_exit_code_zero()
    {
        var reading = new SmokeLoadReading("2000 requests, 900 requests/s, 0 failed, 10 not 2xx", 900, "10 of 2000 HTTP responses had a status other than 2xx");

        var verdict = ValidationRules.Decide(Observation(Load(reading: reading)));

        Assert.Equal(ValidationFailure.SmokeLoadFailed, verdict.Failure);
        Assert.Equal("the redis-benchmark smoke load failed: 10 of 2000 HTTP responses had a status other than 2xx", Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Throughput_below_threshold_fails_with_key()
    {
        var load = Load() with { Plan = Benchmark with { MinRequestsPerSecond = 50_000 } };

        var verdict = ValidationRules.Decide(Observation(load));

        Assert.Equal(ValidationFailure.SmokeLoadFailed, verdict.Failure);
        Assert.Equal(
            "the redis-benchmark smoke load reached 12012 requests/s, below the suite's minimum of 50000 (Validation:Suites:Cache:Thresholds:MinRequestsPerSecond)",
            Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Low_headroom_fails_as_out_of_memory_without_kill()
    {
        var suite = Suite with { MinMemoryHeadroomPercent = 20 };
        var nearLimit = new CgroupStats(61 * MiB, 0, 60, 2);

        var verdict = ValidationRules.Decide(Observation(Load(), cgroup: nearLimit, suite: suite));

        Assert.Equal(ValidationFailure.OutOfMemory, verdict.Failure);
        Assert.Equal(
            "peak use 61 MiB left 4.7% of the 64 MiB memory limit free, less than the suite's minimum of 20% " +
            "(Validation:Suites:Cache:Thresholds:MinMemoryHeadroomPercent); no process was killed, and peak use includes page cache",
            Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Headroom_above_threshold_passes()
    {
        var suite = Suite with { MinMemoryHeadroomPercent = 20 };

        Assert.True(ValidationRules.Decide(Observation(Load(), suite: suite)).Passed);
    }

    [Fact]
    public void Workload_exit_after_load_started_is_named()
    {
        var crashed = new WorkloadState(true, true, 1, ConfiguredAt.AddSeconds(2), "redis-server");

        var verdict = ValidationRules.Decide(Observation(Load(exitCode: 1, reading: new SmokeLoadReading("x", null, "Error: Connection reset by peer")), crashed));

        Assert.Equal(ValidationFailure.Exited, verdict.Failure);
        Assert.Equal(
            "the workload redis-server exited with code 1 within 2.0 s of its start (seen ended at 2025-03-01 12:00:02Z), after the redis-benchmark smoke load started",
            verdict.Reasons[0]);
        Assert.Equal("the redis-benchmark smoke load failed with exit code 1: Error: Connection reset by peer", verdict.Reasons[1]);
    }

    [Fact]
    public void Readiness_failure_wins_over_missing_smoke_load()
    {
        var notReady = new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(30), null, 5, 1, "Could not connect");

        var verdict = ValidationRules.Decide(Observation(load: null) with { Readiness = notReady });

        Assert.Equal(ValidationFailure.NotReady, verdict.Failure);
        Assert.Null(ValidationRules.Measure(Observation(load: null)).SmokeLoad);
    }
}
