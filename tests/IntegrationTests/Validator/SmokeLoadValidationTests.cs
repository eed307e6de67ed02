using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using EventShadow.Contracts;
using EventShadow.Validator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// Validation suites with their smoke loads on real shadows of the workload image: the built-in suites
/// pass healthy workloads, and real misconfigurations fail with the reason an operator needs.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "xunit 2 disposes test classes through IAsyncLifetime.DisposeAsync.")]
public sealed class SmokeLoadValidationTests : IAsyncLifetime
{
    private static readonly string[] Redis = ["redis-server", "--save", "", "--appendonly", "no"];

    private static readonly ReadinessProbe RedisPing = new(["redis-cli", "ping"], null);

    private static readonly string[] Postgres =
        ["postgres", "-D", "/var/lib/postgresql/15/main", "-c", "config_file=/etc/postgresql/15/main/postgresql.conf"];

    private static readonly ReadinessProbe PgIsReady = new(["pg_isready", "-h", "/var/run/postgresql"], "postgres");

    // A real JVM that stays up: the JDK's RMI registry, listening on port 1099, with its whole heap touched at start.
    private static readonly string[] Jvm =
        ["java", "-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch", "-m", "java.rmi/sun.rmi.registry.RegistryImpl", "1099"];

    // About 300 MiB of 60,000-byte values under distinct keys: more than a 64 MiB shadow holds.
    private static readonly string[] RedisFill =
        ["redis-benchmark", "-h", "127.0.0.1", "-t", "set", "-n", "4800", "-d", "60000", "-r", "1000000000", "-c", "4", "--csv"];

    private readonly TestShadows shadows = new();
    private readonly ITestOutputHelper output;

    public SmokeLoadValidationTests(ITestOutputHelper output) => this.output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => shadows.DisposeAsync().AsTask();

    /// <summary>Settings as the Validator binds them, built-in suites included, plus <paramref name="settings"/>.</summary>
    private static ValidationOptions Settings(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new[] { ("Validation:WatchSeconds", "2"), ("Validation:PollMilliseconds", "100") }
                    .Concat(settings)
                    .Select(setting => KeyValuePair.Create(setting.Item1, (string?)setting.Item2)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddValidationOptions();
        return services.BuildServiceProvider().GetRequiredService<IOptions<ValidationOptions>>().Value;
    }

    private async Task<ValidationReport> ValidateAsync(ShadowConfigured shadow, ValidationOptions settings, string suiteName)
    {
        var validation = new ShadowValidation(shadows.Docker, Options.Create(settings), TimeProvider.System, NullLogger<ShadowValidation>.Instance);
        var suite = ValidationSuites.Find(settings, suiteName) ?? throw new InvalidOperationException($"no suite {suiteName}");

        var report = await validation.ValidateAsync(shadow, suite, CancellationToken.None);

        output.WriteLine($"{report.Verdict.Failure?.ToString() ?? "Passed"}: {string.Join(" | ", report.Verdict.Reasons)}");
        output.WriteLine(report.Measurements.ToString());
        return report;
    }

    [Fact]
    public async Task Redis_passes_cache_suite_and_is_flushed()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 256), Redis, RedisPing, user: "redis", profile: WorkloadProfile.Cache);

        var report = await ValidateAsync(shadow, Settings(), "Cache");

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.Equal("Cache", report.Measurements.Suite);
        var load = Assert.IsType<SmokeLoadMeasurements>(report.Measurements.SmokeLoad);
        Assert.Equal("redis-benchmark", load.Name);
        Assert.Equal(0, load.ExitCode);
        Assert.False(load.TimedOut);
        Assert.StartsWith("SET ", load.Summary, StringComparison.Ordinal);
        Assert.True(load.RequestsPerSecond > 0);
        Assert.True(load.TotalPeriods > 0, "the 250m CPU quota should make the kernel count CFS periods during the load");
        Assert.True(load.CleanedUp);
        Assert.True(report.Measurements.StayedUp);
        Assert.InRange(report.Measurements.MemoryHeadroomPercent!.Value, 1, 99);

        var keys = await shadows.ExecAsync(shadow.ShadowId, ["redis-cli", "DBSIZE"]);
        Assert.Equal("0", keys.Output.Trim());
    }

    [Fact]
    public async Task Postgres_passes_database_suite_and_drops_tables()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 512), Postgres, PgIsReady, user: "postgres");

        var report = await ValidateAsync(shadow, Settings(), "Database");

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        var load = report.Measurements.SmokeLoad!;
        Assert.Equal("pgbench", load.Name);
        Assert.Equal(0, load.ExitCode);
        Assert.Matches("^[0-9]+ transactions, [0-9]+ transactions/s, 0 failed$", load.Summary);
        Assert.True(load.RequestsPerSecond > 0);
        Assert.True(load.CleanedUp);

        var tables = await shadows.ExecAsync(shadow.ShadowId, ["psql", "-h", "/var/run/postgresql", "-Atc", "select count(*) from pg_tables where tablename like 'pgbench%'", "postgres"], "postgres");
        Assert.Equal("0", tables.Output.Trim());
    }

    [Fact]
    public async Task Nginx_passes_web_server_suite()
    {
        var shadow = await shadows.StartAsync(
            new ResourceAllocation(250, 128),
            ["nginx", "-g", "daemon off;"],
            new ReadinessProbe(["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1/"], null),
            capabilities: ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"]);

        var report = await ValidateAsync(shadow, Settings(), "WebServer");

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        var load = report.Measurements.SmokeLoad!;
        Assert.Equal("ab", load.Name);
        Assert.StartsWith("2000 requests, ", load.Summary, StringComparison.Ordinal);
        Assert.EndsWith(", 0 failed, 0 not 2xx", load.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_shared_buffers_fail_out_of_memory()
    {
        var shadow = await shadows.StartAsync(
            new ResourceAllocation(500, 128), [.. Postgres, "-c", "shared_buffers=512MB"], PgIsReady, user: "postgres");

        var report = await ValidateAsync(shadow, Settings(), "Database");

        Assert.Equal(ValidationFailure.OutOfMemory, report.Verdict.Failure);
        var reason = report.Verdict.Reasons[0];
        Assert.StartsWith("the kernel killed ", reason, StringComparison.Ordinal);
        Assert.Contains("for exceeding the 128 MiB memory limit during the pgbench smoke load", reason, StringComparison.Ordinal);
        Assert.StartsWith("the pgbench smoke load failed with exit code 1: pgbench: error:", report.Verdict.Reasons[1], StringComparison.Ordinal);
        Assert.True(report.Measurements.SmokeLoad!.OomKillCount > 0);
        Assert.NotEqual(0, report.Measurements.SmokeLoad.ExitCode);
    }

    [Fact]
    public async Task Redis_filled_past_limit_fails_out_of_memory()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 64), Redis, RedisPing, user: "redis", profile: WorkloadProfile.Cache);
        var settings = Settings(RedisFillCommand());

        var report = await ValidateAsync(shadow, settings, "Cache");

        Assert.Equal(ValidationFailure.OutOfMemory, report.Verdict.Failure);
        Assert.StartsWith(
            "the kernel killed 1 process for exceeding the 64 MiB memory limit during the redis-benchmark smoke load; peak use 64 MiB; the workload redis-server exited with code 137",
            report.Verdict.Reasons[0],
            StringComparison.Ordinal);
        Assert.StartsWith("the redis-benchmark smoke load failed with exit code 1", report.Verdict.Reasons[1], StringComparison.Ordinal);
        Assert.False(report.Measurements.StayedUp);
        Assert.Null(report.Measurements.SmokeLoad!.CleanedUp);
    }

    [Fact]
    public async Task Redis_at_maxmemory_fails_smoke_load()
    {
        var shadow = await shadows.StartAsync(
            new ResourceAllocation(250, 128), [.. Redis, "--maxmemory", "16mb"], RedisPing, user: "redis", profile: WorkloadProfile.Cache);
        var settings = Settings(RedisFillCommand());

        var report = await ValidateAsync(shadow, settings, "Cache");

        Assert.Equal(ValidationFailure.SmokeLoadFailed, report.Verdict.Failure);
        Assert.Equal(
            "the redis-benchmark smoke load failed with exit code 1: Error from server: OOM command not allowed when used memory > 'maxmemory'.; " +
            "Redis rejected writes at its maxmemory setting: raise maxmemory or set an eviction policy such as allkeys-lru",
            report.Verdict.Reasons[0]);
        Assert.Equal(0, report.Measurements.OomKillCount);
        Assert.True(report.Measurements.StayedUp);
    }

    [Fact]
    public async Task Jvm_heap_above_limit_fails_out_of_memory()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 256), Jvm, readiness: null, user: "nobody", profile: WorkloadProfile.JvmService);

        var report = await ValidateAsync(shadow, Settings(("Validation:Suites:JvmService:Readiness:TcpPort", "1099")), "JvmService");

        Assert.Equal(ValidationFailure.OutOfMemory, report.Verdict.Failure);

        // The OOM killer takes java and, on a busy host, sometimes a second process of the shadow before memory is freed.
        var kills = report.Measurements.OomKillCount;
        Assert.InRange(kills, 1, 2);
        Assert.Equal(
            $"the kernel killed {kills} {(kills == 1 ? "process" : "processes")} for exceeding the 256 MiB memory limit; peak use 256 MiB; " +
            "the workload java exited with code 137 (killed by SIGKILL, often the OOM killer or a forced stop)",
            report.Verdict.Reasons[0]);
        Assert.Null(report.Measurements.TimeToReadySeconds);
    }

    [Fact]
    public async Task Jvm_with_room_for_heap_passes_tcp_readiness()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(500, 512), Jvm, readiness: null, user: "nobody", profile: WorkloadProfile.JvmService);

        var report = await ValidateAsync(shadow, Settings(("Validation:Suites:JvmService:Readiness:TcpPort", "1099")), "JvmService");

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Reasons));
        Assert.NotNull(report.Measurements.TimeToReadySeconds);
        Assert.True(report.Measurements.PeakMemoryMiB > 384, "the touched 384 MiB heap should show in the peak");
    }

    [Fact]
    public async Task Hung_smoke_load_is_stopped_at_its_limit()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 64), ["sleep", "300"], readiness: null);
        var settings = Settings(
            ("Validation:Suites:Hang:SmokeLoad:Command:0", "sleep"),
            ("Validation:Suites:Hang:SmokeLoad:Command:1", "120"),
            ("Validation:Suites:Hang:SmokeLoad:TimeoutSeconds", "2"));
        var stopwatch = Stopwatch.StartNew();

        var report = await ValidateAsync(shadow, settings, "Hang");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"the validation took {stopwatch.Elapsed}");
        Assert.Equal(ValidationFailure.SmokeLoadFailed, report.Verdict.Failure);
        Assert.Equal("the sleep smoke load did not finish within its 2 s limit and was stopped", report.Verdict.Reasons[0]);
        Assert.True(report.Measurements.SmokeLoad!.TimedOut);

        var processes = await shadows.ExecAsync(shadow.ShadowId, ["ps", "-eo", "args"]);
        Assert.DoesNotContain("sleep 120", processes.Output, StringComparison.Ordinal);
        Assert.Contains("sleep 300", processes.Output, StringComparison.Ordinal);
    }

    private static (string Key, string Value)[] RedisFillCommand() =>
        RedisFill.Select((argument, index) => ($"Validation:Suites:Cache:SmokeLoad:Command:{index}", argument)).ToArray();
}
