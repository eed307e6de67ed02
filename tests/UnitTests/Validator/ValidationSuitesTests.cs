using EventShadow.Contracts;
using EventShadow.Validator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Validator;

public sealed class ValidationSuitesTests
{
    private static ValidationOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)))
            .Build();

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddValidationOptions();
        return services.BuildServiceProvider().GetRequiredService<IOptions<ValidationOptions>>().Value;
    }

    [Fact]
    public void Cache_profile_runs_bounded_redis_benchmark()
    {
        var suite = ValidationSuites.ForProfile(Bind(), WorkloadProfile.Cache);

        Assert.Equal("Cache", suite.Name);
        Assert.Null(suite.Readiness);
        var load = Assert.IsType<SmokeLoadPlan>(suite.SmokeLoad);
        Assert.Equal("redis-benchmark", load.Name);
        Assert.Equal("redis-benchmark", load.Command[0]);
        Assert.Contains("-n", load.Command);
        Assert.Contains("--csv", load.Command);
        Assert.Equal(TimeSpan.FromSeconds(20), load.Timeout);
        Assert.Equal(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "FLUSHALL"], load.Cleanup);
    }

    [Fact]
    public void Database_profile_runs_pgbench_as_postgres()
    {
        var load = ValidationSuites.ForProfile(Bind(), WorkloadProfile.Database).SmokeLoad!;

        Assert.Equal("pgbench", load.Name);
        Assert.Equal("postgres", load.User);
        Assert.Contains("pgbench -h /var/run/postgresql -i -s 5", load.CommandLine, StringComparison.Ordinal);
        Assert.Contains("-T 3", load.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void WebServer_profile_sends_http_burst()
    {
        var load = ValidationSuites.ForProfile(Bind(), WorkloadProfile.WebServer).SmokeLoad!;

        Assert.Equal("ab", load.Name);
        Assert.Equal("http://127.0.0.1/", load.Command[^1]);
    }

    [Theory]
    [InlineData(WorkloadProfile.Batch)]
    [InlineData(WorkloadProfile.Generic)]
    [InlineData(WorkloadProfile.JvmService)]
    public void Profiles_without_suite_run_no_smoke_load(WorkloadProfile profile)
    {
        var suite = ValidationSuites.ForProfile(Bind(), profile);

        Assert.Equal(profile.ToString(), suite.Name);
        Assert.Null(suite.SmokeLoad);
        Assert.Null(suite.Readiness);
        Assert.Equal(TimeSpan.FromSeconds(30), suite.ReadinessTimeout);
    }

    [Fact]
    public void Shadow_without_profile_gets_generic_suite()
    {
        Assert.Equal("Generic", ValidationSuites.ForProfile(Bind(), profile: null).Name);
    }

    [Fact]
    public void Find_ignores_case_and_rejects_unknown_names()
    {
        var settings = Bind();

        Assert.Equal("Cache", ValidationSuites.Find(settings, "cache")?.Name);
        Assert.Equal("Batch", ValidationSuites.Find(settings, "batch")?.Name);
        Assert.Null(ValidationSuites.Find(settings, "Nonexistent"));
        Assert.Null(ValidationSuites.Find(settings, "3"));
    }

    [Fact]
    public void Configured_setting_keeps_the_rest_of_builtin_suite()
    {
        var load = ValidationSuites.ForProfile(Bind(("Validation:Suites:Cache:SmokeLoad:TimeoutSeconds", "7")), WorkloadProfile.Cache).SmokeLoad!;

        Assert.Equal(TimeSpan.FromSeconds(7), load.Timeout);
        Assert.Equal("redis-benchmark", load.Name);
        Assert.Contains("--csv", load.Command);
    }

    [Fact]
    public void Configured_command_replaces_builtin_command_and_name()
    {
        var settings = Bind(
            ("Validation:Suites:Cache:SmokeLoad:Command:0", "redis-cli"),
            ("Validation:Suites:Cache:SmokeLoad:Command:1", "ping"));

        var load = ValidationSuites.ForProfile(settings, WorkloadProfile.Cache).SmokeLoad!;

        Assert.Equal(["redis-cli", "ping"], load.Command);
        Assert.Equal("redis-cli", load.Name);
        Assert.Equal(TimeSpan.FromSeconds(20), load.Timeout);
    }

    [Fact]
    public void Smoke_load_can_be_turned_off()
    {
        var suite = ValidationSuites.ForProfile(Bind(("Validation:Suites:Database:SmokeLoad:Enabled", "false")), WorkloadProfile.Database);

        Assert.Null(suite.SmokeLoad);
    }

    [Fact]
    public void Tcp_readiness_checks_port_with_netcat()
    {
        var settings = Bind(
            ("Validation:Suites:JvmService:Readiness:TcpPort", "8080"),
            ("Validation:Suites:JvmService:Readiness:TimeoutSeconds", "90"));

        var suite = ValidationSuites.ForProfile(settings, WorkloadProfile.JvmService);

        Assert.Equal(["nc", "-z", "127.0.0.1", "8080"], suite.Readiness!.Command);
        Assert.Equal(TimeSpan.FromSeconds(90), suite.ReadinessTimeout);
    }

    [Fact]
    public void Custom_suite_is_found_by_name_with_thresholds()
    {
        var settings = Bind(
            ("Validation:Suites:CacheFill:SmokeLoad:Command:0", "redis-benchmark"),
            ("Validation:Suites:CacheFill:Thresholds:MinRequestsPerSecond", "5000"),
            ("Validation:Suites:CacheFill:Thresholds:MinMemoryHeadroomPercent", "10"));

        var suite = ValidationSuites.Find(settings, "CacheFill")!;

        Assert.Equal(5000, suite.SmokeLoad!.MinRequestsPerSecond);
        Assert.Equal(10, suite.MinMemoryHeadroomPercent);
        Assert.Equal(TimeSpan.FromSeconds(SmokeLoadDefaults.TimeoutSeconds), suite.SmokeLoad.Timeout);
        Assert.Contains("CacheFill", ValidationSuites.Names(settings));
    }

    [Fact]
    public void Suite_timeout_adds_smoke_load_to_validation_timeout()
    {
        var settings = Bind(("Validation:ReadinessTimeoutSeconds", "20"), ("Validation:WatchSeconds", "5"), ("Validation:DockerCallTimeoutSeconds", "2"));

        var cache = ValidationSuites.ForProfile(settings, WorkloadProfile.Cache);
        var batch = ValidationSuites.ForProfile(settings, WorkloadProfile.Batch);

        Assert.Equal(settings.ValidationTimeout, batch.Timeout(settings));

        // 20 s readiness + 37 s of longest watch (5 s, 30 s of settling, one 2 s window) + 4 x 2 s calls.
        // The Cache load adds its 20 s limit, 5 s grace, 2 s cleanup and 2 x 2 s cgroup reads.
        // The longest suite is Database, whose load may take 30 s.
        Assert.Equal(TimeSpan.FromSeconds(96), cache.Timeout(settings));
        Assert.Equal(TimeSpan.FromSeconds(106), ValidationSuites.LongestTimeout(settings));
    }

    [Fact]
    public void Suite_timeout_covers_watch_extended_by_settling()
    {
        var settings = Bind(
            ("Validation:ReadinessTimeoutSeconds", "20"), ("Validation:WatchSeconds", "5"),
            ("Validation:MaxSettleSeconds", "60"), ("Validation:DockerCallTimeoutSeconds", "1"));

        var batch = ValidationSuites.ForProfile(settings, WorkloadProfile.Batch);
        var timeout = batch.Timeout(settings);

        // A peak that grows through the whole watch keeps it going for 67 s past readiness: 5 s, the 60 s
        // of settling, and the 2 s window under way when they ran out.
        var longestValidation = settings.ReadinessTimeout + settings.Watch + settings.MaxSettle + settings.Settle;
        Assert.True(timeout >= longestValidation, $"timeout {timeout.TotalSeconds} s is shorter than a validation of {longestValidation.TotalSeconds} s");
    }

    [Fact]
    public void Default_longest_timeout_is_database_suite()
    {
        var settings = Bind();

        // 30 s readiness + 37 s of longest watch + 4 x 10 s calls, plus the 30 s load, 5 s grace,
        // 10 s cleanup and 2 x 10 s cgroup reads.
        Assert.Equal(TimeSpan.FromSeconds(172), ValidationSuites.ForProfile(settings, WorkloadProfile.Database).Timeout(settings));
        Assert.Equal(TimeSpan.FromSeconds(172), ValidationSuites.LongestTimeout(settings));
    }

    [Fact]
    public void Default_attempt_timeout_leaves_claim_time()
    {
        // The Negotiator fails an attempt without a trial result after AttemptTimeoutSeconds, so its
        // default must leave time for the claim and the validation queue above the longest validation.
        var attemptTimeout = TimeSpan.FromSeconds(new EventShadow.Negotiator.NegotiationOptions().AttemptTimeoutSeconds);

        Assert.True(attemptTimeout - ValidationSuites.LongestTimeout(Bind()) >= TimeSpan.FromSeconds(60), $"attempt timeout {attemptTimeout}");
    }

    [Fact]
    public void Bounded_command_runs_under_timeout()
    {
        var load = ValidationSuites.ForProfile(Bind(), WorkloadProfile.Cache).SmokeLoad!;

        Assert.Equal(["timeout", "--kill-after=2", "20", "redis-benchmark"], load.BoundedCommand.Take(4));
    }

    [Theory]
    [InlineData("Validation:Suites:Cache:SmokeLoad:TimeoutSeconds", "0")]
    [InlineData("Validation:Suites:Cache:Readiness:TcpPort", "70000")]
    [InlineData("Validation:Suites:Cache:Readiness:TimeoutSeconds", "0")]
    [InlineData("Validation:Suites:Cache:Thresholds:MinMemoryHeadroomPercent", "100")]
    [InlineData("Validation:Suites:Cache:Thresholds:MinRequestsPerSecond", "-1")]
    [InlineData("Validation:Suites:Custom:SmokeLoad:User", "redis")]
    [InlineData("Validation:Suites:bad name:SmokeLoad:Enabled", "false")]
    public void Invalid_suite_setting_is_rejected_by_key(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        var suiteKey = string.Join(':', key.Split(':').Take(3));
        Assert.Contains(suiteKey, error.Message, StringComparison.Ordinal);
    }
}
