using CsCheck;
using EventShadow.Contracts;
using EventShadow.Validator;

namespace EventShadow.UnitTests.Validator;

public sealed class ValidationRulesTests
{
    private static readonly DateTimeOffset ConfiguredAt = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ReadinessProbe RedisPing = new(["redis-cli", "ping"], null);

    private static readonly ShadowConfigured Shadow = new(
        NegotiationId: Guid.Parse("6f1c2d3e-0000-4000-8000-000000000001"),
        Attempt: 2,
        ShadowId: "shadow-1",
        Allocation: new ResourceAllocation(500, 256),
        WorkloadExecId: "exec-1",
        Readiness: RedisPing,
        ConfiguredAt: ConfiguredAt);

    private static readonly WorkloadState Running = new(Found: true, Started: true, ExitCode: null, EndSeenAt: null);

    private static readonly ReadinessOutcome Ready = new(RedisPing, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1.234), 3, 0, null);

    private static readonly CgroupStats Quiet = new(PeakMemoryBytes: 10 * 1024 * 1024, OomKillCount: 0, CpuPeriods: 100, ThrottledPeriods: 0);

    private static ValidationObservation Observation(
        WorkloadState? workload = null,
        ReadinessOutcome? readiness = null,
        CgroupStats? cgroup = null,
        string? shadowProblem = null,
        bool dockerReportedOomKill = false) =>
        new(Shadow, shadowProblem, workload ?? Running, readiness ?? Ready, cgroup ?? Quiet, dockerReportedOomKill, TimeSpan.FromSeconds(6.2));

    private static WorkloadState Exited(long exitCode) => new(true, true, exitCode, ConfiguredAt.AddSeconds(1.5));

    [Fact]
    public void Decide_passes_a_ready_workload_that_stayed_up()
    {
        var verdict = ValidationRules.Decide(Observation());

        Assert.True(verdict.Passed);
        Assert.Empty(verdict.Reasons);
    }

    [Fact]
    public void Decide_passes_without_readiness_command()
    {
        var observation = Observation(readiness: ReadinessOutcome.NotRun(null, TimeSpan.FromSeconds(30)));

        Assert.True(ValidationRules.Decide(observation).Passed);
    }

    [Fact]
    public void Decide_reports_oom_kills_with_limit_and_peak()
    {
        var observation = Observation(cgroup: Quiet with { OomKillCount = 3, PeakMemoryBytes = 256L * 1024 * 1024 });

        var verdict = ValidationRules.Decide(observation);

        Assert.Equal(ValidationFailure.OutOfMemory, verdict.Failure);
        Assert.Equal("the kernel killed 3 processes for exceeding the 256 MiB memory limit; peak use 256 MiB; the workload kept running", Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Decide_counts_a_single_oom_kill_in_singular()
    {
        var observation = Observation(cgroup: Quiet with { OomKillCount = 1, PeakMemoryBytes = 255L * 1024 * 1024 });

        var reason = Assert.Single(ValidationRules.Decide(observation).Reasons);

        Assert.StartsWith("the kernel killed 1 process for exceeding", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_prefers_oom_over_exit_and_readiness()
    {
        var notReady = new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(30), null, 4, 1, "Could not connect");
        var observation = Observation(workload: Exited(137), readiness: notReady, cgroup: Quiet with { OomKillCount = 1 });

        Assert.Equal(ValidationFailure.OutOfMemory, ValidationRules.Decide(observation).Failure);
    }

    [Fact]
    public void Decide_uses_docker_oom_flag_without_cgroup_counters()
    {
        var observation = Observation(cgroup: CgroupStats.Unknown, dockerReportedOomKill: true);

        var verdict = ValidationRules.Decide(observation);

        Assert.Equal(ValidationFailure.OutOfMemory, verdict.Failure);
        Assert.Contains("Docker reports the OOM kill", Assert.Single(verdict.Reasons), StringComparison.Ordinal);
        Assert.Equal(1, ValidationRules.Measure(observation).OomKillCount);
    }

    [Fact]
    public void Decide_passes_completed_run_to_completion_task()
    {
        var job = Observation(workload: Exited(0), readiness: ReadinessOutcome.NotRun(null, TimeSpan.FromSeconds(30))) with
        {
            Shadow = Shadow with { Readiness = null, RunsToCompletion = true },
        };

        var verdict = ValidationRules.Decide(job);

        Assert.True(verdict.Passed);
        Assert.Equal(0, ValidationRules.Measure(job).ExitCode);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(null, null)]
    public void Measure_reports_whether_running_peak_settled(bool? observed, bool? expected)
    {
        var observation = Observation() with { PeakSettled = observed };

        Assert.Equal(expected, ValidationRules.Measure(observation).PeakSettled);
    }

    [Fact]
    public void Measure_counts_ended_workload_peak_as_settled()
    {
        var job = Observation(workload: Exited(0)) with { PeakSettled = null };

        Assert.True(ValidationRules.Measure(job).PeakSettled);
    }

    [Fact]
    public void Decide_fails_run_to_completion_task_exiting_with_error()
    {
        var job = Observation(workload: Exited(2), readiness: ReadinessOutcome.NotRun(null, TimeSpan.FromSeconds(30))) with
        {
            Shadow = Shadow with { Readiness = null, RunsToCompletion = true },
        };

        Assert.Equal(ValidationFailure.Exited, ValidationRules.Decide(job).Failure);
    }

    [Fact]
    public void Decide_fails_run_to_completion_task_killed_for_memory()
    {
        var job = Observation(workload: Exited(0), cgroup: Quiet with { OomKillCount = 2 }) with
        {
            Shadow = Shadow with { Readiness = null, RunsToCompletion = true },
        };

        Assert.Equal(ValidationFailure.OutOfMemory, ValidationRules.Decide(job).Failure);
    }

    [Fact]
    public void Decide_reports_exit_code_and_time()
    {
        var verdict = ValidationRules.Decide(Observation(workload: Exited(3)));

        Assert.Equal(ValidationFailure.Exited, verdict.Failure);
        Assert.Equal(
            "the workload exited with code 3 within 1.5 s of its start (seen ended at 2025-03-01 12:00:01Z)",
            Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Decide_explains_command_not_found_exit()
    {
        var reason = Assert.Single(ValidationRules.Decide(Observation(workload: Exited(127))).Reasons);

        Assert.Contains("code 127 (the command was not found in the image)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_prefers_exit_over_failed_readiness()
    {
        var notReady = new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(30), null, 2, 1, null);

        var verdict = ValidationRules.Decide(Observation(workload: Exited(0), readiness: notReady));

        Assert.Equal(ValidationFailure.Exited, verdict.Failure);
    }

    [Fact]
    public void Decide_names_missing_shadow()
    {
        var observation = Observation(
            workload: WorkloadState.NotFound,
            cgroup: CgroupStats.Unknown,
            shadowProblem: "was not found on the Docker engine");

        var verdict = ValidationRules.Decide(observation);

        Assert.Equal(ValidationFailure.Exited, verdict.Failure);
        Assert.Equal("shadow shadow-1 was not found on the Docker engine", Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Decide_names_missing_workload_exec()
    {
        var verdict = ValidationRules.Decide(Observation(workload: WorkloadState.NotFound));

        Assert.Equal(ValidationFailure.Exited, verdict.Failure);
        Assert.Equal("workload exec exec-1 was not found on the Docker engine, so the workload in shadow shadow-1 cannot be observed", Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Decide_fails_a_workload_that_never_started()
    {
        var verdict = ValidationRules.Decide(Observation(workload: new WorkloadState(true, false, null, null)));

        Assert.Equal(ValidationFailure.Exited, verdict.Failure);
        Assert.Contains("was created but never started", Assert.Single(verdict.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_names_readiness_command_and_timeout()
    {
        var probe = new ReadinessProbe(["pg_isready", "-q"], "postgres");
        var notReady = new ReadinessOutcome(probe, TimeSpan.FromSeconds(3), null, 12, 2, "no response");

        var verdict = ValidationRules.Decide(Observation(readiness: notReady));

        Assert.Equal(ValidationFailure.NotReady, verdict.Failure);
        Assert.Equal(
            "readiness command `pg_isready -q` as user postgres did not exit with 0 within 3 s; 12 runs, the last exited with code 2, output: no response",
            Assert.Single(verdict.Reasons));
    }

    [Fact]
    public void Decide_reports_readiness_runs_that_never_finished()
    {
        var notReady = new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(3), null, 1, null, null);

        var reason = Assert.Single(ValidationRules.Decide(Observation(readiness: notReady)).Reasons);

        Assert.EndsWith("none of its 1 runs finished in time", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_adds_cpu_throttling_to_a_failure()
    {
        var notReady = new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(30), null, 100, 1, null);
        var throttled = Quiet with { CpuPeriods = 200, ThrottledPeriods = 150 };

        var verdict = ValidationRules.Decide(Observation(readiness: notReady, cgroup: throttled));

        Assert.Equal(2, verdict.Reasons.Count);
        Assert.Equal("CPU was throttled in 150 of 200 scheduling periods (75%) at the 500m CPU limit", verdict.Reasons[1]);
    }

    [Fact]
    public void Decide_leaves_out_light_cpu_throttling()
    {
        var notReady = new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(30), null, 100, 1, null);
        var throttled = Quiet with { CpuPeriods = 200, ThrottledPeriods = 49 };

        Assert.Single(ValidationRules.Decide(Observation(readiness: notReady, cgroup: throttled)).Reasons);
    }

    [Fact]
    public void Decide_any_oom_kill_means_out_of_memory()
    {
        var observations =
            from oomKills in Gen.Int[1, 1000]
            from exitCode in Gen.Long[0, 255].Nullable()
            from readinessPassed in Gen.Bool
            from shadowGone in Gen.Bool
            select Observation(
                workload: exitCode is { } code ? Exited(code) : Running,
                readiness: readinessPassed ? Ready : new ReadinessOutcome(RedisPing, TimeSpan.FromSeconds(30), null, 1, 1, null),
                cgroup: Quiet with { OomKillCount = oomKills },
                shadowProblem: shadowGone ? "stopped running during the validation" : null);

        observations.Sample(observation => ValidationRules.Decide(observation).Failure == ValidationFailure.OutOfMemory);
    }

    [Fact]
    public void Measure_reports_a_passed_run()
    {
        var measurements = ValidationRules.Measure(Observation(cgroup: Quiet with { CpuPeriods = 80, ThrottledPeriods = 5 }));

        Assert.True(measurements.Started);
        Assert.True(measurements.StayedUp);
        Assert.False(measurements.OomKilled);
        Assert.Equal(0, measurements.OomKillCount);
        Assert.Equal(10.0, measurements.PeakMemoryMiB);
        Assert.Null(measurements.ExitCode);
        Assert.Equal(1.23, measurements.TimeToReadySeconds);
        Assert.Equal(5, measurements.ThrottledPeriods);
        Assert.Equal(80, measurements.TotalPeriods);
        Assert.Equal(6.2, measurements.WatchedSeconds);
    }

    [Fact]
    public void Measure_reports_an_exited_workload()
    {
        var measurements = ValidationRules.Measure(Observation(workload: Exited(3)));

        Assert.True(measurements.Started);
        Assert.False(measurements.StayedUp);
        Assert.Equal(3, measurements.ExitCode);
    }

    [Fact]
    public void Measure_reports_no_stay_when_shadow_stopped()
    {
        var measurements = ValidationRules.Measure(Observation(shadowProblem: "stopped running during the validation"));

        Assert.False(measurements.StayedUp);
    }

    [Fact]
    public void ToEvent_builds_failed_event_with_reasons()
    {
        var observation = Observation(workload: Exited(3));
        var verdict = ValidationRules.Decide(observation);

        var failed = Assert.IsType<ValidationFailed>(ValidationRules.ToEvent(Shadow, verdict, ValidationRules.Measure(observation)));

        Assert.Equal(Shadow.NegotiationId, failed.NegotiationId);
        Assert.Equal(2, failed.Attempt);
        Assert.Equal("shadow-1", failed.ShadowId);
        Assert.Equal(ValidationFailure.Exited, failed.Failure);
        Assert.Equal(verdict.Reasons, failed.Reasons);
    }

    [Fact]
    public void ToEvent_builds_passed_event()
    {
        var observation = Observation();

        var passed = Assert.IsType<ValidationPassed>(
            ValidationRules.ToEvent(Shadow, ValidationRules.Decide(observation), ValidationRules.Measure(observation)));

        Assert.Equal(Shadow.NegotiationId, passed.NegotiationId);
        Assert.Equal(2, passed.Attempt);
    }

    [Theory]
    [InlineData(126, "the command was found but could not be executed")]
    [InlineData(127, "the command was not found in the image")]
    [InlineData(137, "killed by SIGKILL, often the OOM killer or a forced stop")]
    [InlineData(134, "killed by signal 6")]
    [InlineData(1, null)]
    [InlineData(3, null)]
    public void DescribeExitCode_explains_shell_conventions(long exitCode, string? expected)
    {
        Assert.Equal(expected, ValidationRules.DescribeExitCode(exitCode));
    }
}
