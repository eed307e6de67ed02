using System.Diagnostics.CodeAnalysis;
using EventShadow.Contracts;
using EventShadow.Validator;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// Validations of real shadows on the Docker engine, without the bus.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "xunit 2 disposes test classes through IAsyncLifetime.DisposeAsync.")]
public sealed class ShadowValidationTests : IAsyncLifetime
{
    private static readonly string[] Redis = ["redis-server", "--save", "", "--appendonly", "no"];

    private readonly TestShadows shadows = new();
    private readonly ITestOutputHelper output;

    public ShadowValidationTests(ITestOutputHelper output) => this.output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => shadows.DisposeAsync().AsTask();

    private async Task<ValidationReport> ValidateAsync(
        ShadowConfigured shadow, int readinessTimeoutSeconds = 30, int watchSeconds = 3, int maxSettleSeconds = 30, int? minWatchSeconds = null)
    {
        var report = await Validation(readinessTimeoutSeconds, watchSeconds, maxSettleSeconds, minWatchSeconds).ValidateAsync(shadow, CancellationToken.None);
        output.WriteLine($"{report.Verdict.Failure?.ToString() ?? "Passed"}: {string.Join("; ", report.Verdict.Reasons)}");
        output.WriteLine(report.Measurements.ToString());
        return report;
    }

    private ShadowValidation Validation(int readinessTimeoutSeconds, int watchSeconds, int maxSettleSeconds = 30, int? minWatchSeconds = null) =>
        new(
            shadows.Docker,
            Options.Create(new ValidationOptions
            {
                ReadinessTimeoutSeconds = readinessTimeoutSeconds,
                WatchSeconds = watchSeconds,
                MinWatchSeconds = minWatchSeconds,
                MaxSettleSeconds = maxSettleSeconds,
                PollMilliseconds = 100,
            }),
            TimeProvider.System,
            NullLogger<ShadowValidation>.Instance);

    [Fact]
    public async Task Redis_under_128_MiB_passes()
    {
        var shadow = await shadows.StartAsync(
            new ResourceAllocation(500, 128), Redis, new ReadinessProbe(["redis-cli", "ping"], "redis"));

        var report = await ValidateAsync(shadow);

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        var measurements = report.Measurements;
        Assert.True(measurements.Started);
        Assert.True(measurements.StayedUp);
        Assert.NotNull(measurements.TimeToReadySeconds);
        Assert.True(measurements.TimeToReadySeconds > 0);
        Assert.True(measurements.PeakMemoryMiB > 0);
        Assert.True(measurements.PeakMemoryMiB < 128);
        Assert.Equal(0, measurements.OomKillCount);
        Assert.True(measurements.TotalPeriods > 0, "the 500m CPU quota should make the kernel count CFS periods");
        Assert.True(measurements.WatchedSeconds >= 3);
        Assert.IsType<ValidationPassed>(report.ToEvent(shadow));
    }

    [Fact]
    public async Task Workload_without_readiness_passes_when_it_stays_up()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 64), ["sleep", "300"], readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 2);

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.True(report.Measurements.StayedUp);
        Assert.Null(report.Measurements.TimeToReadySeconds);
        Assert.True(report.Measurements.WatchedSeconds >= 2);
    }

    // Fills 8 shell variables of 10 MB each, 1.5 s apart, then idles: memory grows for about 12 s.
    private static readonly string[] SlowlyGrowing =
    [
        "sh", "-c",
        "i=0; while [ $i -lt 8 ]; do eval \"v$i=\\$(head -c 10000000 /dev/zero | tr '\\0' x)\"; i=$((i+1)); sleep 1.5; done; sleep 300",
    ];

    [Fact]
    public async Task Growing_peak_extends_watch_until_settled()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 256), SlowlyGrowing, readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 2);

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.True(report.Measurements.PeakSettled);
        Assert.True(report.Measurements.PeakMemoryMiB > 75, $"peak {report.Measurements.PeakMemoryMiB} MiB should include all 8 variables of 10 MB");
    }

    [Fact]
    public async Task Peak_still_growing_at_longest_watch_is_unsettled()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 256), SlowlyGrowing, readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 2, maxSettleSeconds: 2);

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.False(report.Measurements.PeakSettled);
    }

    [Fact]
    public async Task Flat_peak_settles_within_watch()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 64), ["sleep", "300"], readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 3);

        Assert.True(report.Measurements.PeakSettled);
    }

    [Fact]
    public async Task Settled_peak_ends_watch_early()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 64), ["sleep", "300"], readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 10, minWatchSeconds: 0);

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.True(report.Measurements.PeakSettled);
        Assert.True(report.Measurements.WatchedSeconds >= 2, $"watched {report.Measurements.WatchedSeconds} s, less than one 2 s settle window");
        Assert.True(report.Measurements.WatchedSeconds < 10, $"watched {report.Measurements.WatchedSeconds} s although the peak was flat and the minimum watch 0 s");
    }

    [Fact]
    public async Task Growing_peak_watches_past_early_end()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 256), SlowlyGrowing, readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 6, minWatchSeconds: 0);

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.True(report.Measurements.PeakSettled);
        Assert.True(report.Measurements.WatchedSeconds >= 6, $"watched {report.Measurements.WatchedSeconds} s although the peak grew for about 12 s");
        Assert.True(report.Measurements.PeakMemoryMiB > 75, $"peak {report.Measurements.PeakMemoryMiB} MiB should include all 8 variables of 10 MB");
    }

    [Fact]
    public async Task Memory_hog_fails_out_of_memory()
    {
        var shadow = await shadows.StartAsync(
            new ResourceAllocation(500, 64), ["stress-ng", "--vm", "1", "--vm-bytes", "200M", "--vm-keep"], readiness: null);

        var report = await ValidateAsync(shadow);

        Assert.Equal(ValidationFailure.OutOfMemory, report.Verdict.Failure);
        Assert.True(report.Measurements.OomKilled);
        Assert.True(report.Measurements.OomKillCount > 0);
        Assert.True(report.Measurements.PeakMemoryMiB > 60, $"peak {report.Measurements.PeakMemoryMiB} MiB should reach the 64 MiB limit");
        Assert.Contains("for exceeding the 64 MiB memory limit", report.Verdict.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workload_exit_fails_with_exit_code()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 64), ["sh", "-c", "sleep 1; exit 3"], readiness: null);

        var report = await ValidateAsync(shadow, watchSeconds: 10);

        Assert.Equal(ValidationFailure.Exited, report.Verdict.Failure);
        Assert.Equal(3, report.Measurements.ExitCode);
        Assert.True(report.Measurements.Started);
        Assert.False(report.Measurements.StayedUp);
        Assert.True(report.Measurements.WatchedSeconds < 10, "the watch should end when the workload exits");
        Assert.Contains("exited with code 3", report.Verdict.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failing_readiness_fails_not_ready_after_timeout()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 64), ["sleep", "300"], new ReadinessProbe(["false"], null));

        var report = await ValidateAsync(shadow, readinessTimeoutSeconds: 3);

        Assert.Equal(ValidationFailure.NotReady, report.Verdict.Failure);
        Assert.Null(report.Measurements.TimeToReadySeconds);
        Assert.True(report.Measurements.StayedUp);
        Assert.InRange(report.Measurements.WatchedSeconds, 3, 10);
        Assert.StartsWith("readiness command `false` did not exit with 0 within 3 s", report.Verdict.Reasons[0], StringComparison.Ordinal);
        Assert.Contains("exited with code 1", report.Verdict.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hanging_readiness_command_ends_at_timeout()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 64), ["sleep", "300"], new ReadinessProbe(["sleep", "120"], null));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var report = await ValidateAsync(shadow, readinessTimeoutSeconds: 2);

        Assert.Equal(ValidationFailure.NotReady, report.Verdict.Failure);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"validation took {stopwatch.Elapsed}");
        // Usually one run takes the whole timeout; on a busy host a second run can start before the deadline.
        Assert.Matches("none of its [12] runs finished in time$", report.Verdict.Reasons[0]);
    }

    [Fact]
    public async Task Missing_shadow_fails_exited_naming_it()
    {
        var shadowId = $"eventshadow-missing-{Guid.NewGuid():N}";
        var shadow = new ShadowConfigured(Guid.NewGuid(), 1, shadowId, new ResourceAllocation(500, 64), "no-such-exec", null, DateTimeOffset.UtcNow);

        var report = await ValidateAsync(shadow);

        Assert.Equal(ValidationFailure.Exited, report.Verdict.Failure);
        Assert.Contains($"shadow {shadowId} was not found", report.Verdict.Reasons[0], StringComparison.Ordinal);
        Assert.False(report.Measurements.Started);
    }

    [Fact]
    public async Task Stopped_shadow_fails_exited()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 64), ["sleep", "300"], readiness: null);
        await shadows.KillAsync(shadow.ShadowId);

        var report = await ValidateAsync(shadow);

        Assert.Equal(ValidationFailure.Exited, report.Verdict.Failure);
        Assert.StartsWith($"shadow {shadow.ShadowId} was not running when the validation started", report.Verdict.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_workload_exec_fails_exited()
    {
        var running = await shadows.StartAsync(new ResourceAllocation(500, 64), ["sleep", "300"], readiness: null);
        var shadow = running with { WorkloadExecId = $"{Guid.NewGuid():N}{Guid.NewGuid():N}" };

        var report = await ValidateAsync(shadow);

        Assert.Equal(ValidationFailure.Exited, report.Verdict.Failure);
        Assert.StartsWith($"workload exec {shadow.WorkloadExecId} was not found", report.Verdict.Reasons[0], StringComparison.Ordinal);
    }
}
