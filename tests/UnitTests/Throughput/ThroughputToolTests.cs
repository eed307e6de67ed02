using EventShadow.Throughput;

namespace EventShadow.UnitTests.Throughput;

public class ThroughputToolTests
{
    [Fact]
    public void Options_parse_a_full_command()
    {
        var (options, error) = ThroughputOptions.Parse(
            ["--path", "full", "--rate", "2.5", "--count", "40", "--duration", "30", "--no-release", "--label", "baseline", "--steady", "60"],
            stateDirectory: "/state");

        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(BenchmarkPath.Full, options.Path);
        Assert.Equal(2.5, options.Rate);
        Assert.Equal(40, options.Count);
        Assert.Equal(30, options.DurationSeconds);
        Assert.False(options.Release);
        Assert.Equal("baseline", options.Label);
        Assert.Equal("/state", options.StateDirectory);
        Assert.Equal(60, options.SteadySeconds);
    }

    [Fact]
    public void Options_default_label_is_the_path()
    {
        var (options, _) = ThroughputOptions.Parse(["--path", "fast"], stateDirectory: null);

        Assert.Equal("fast", options!.Label);
        Assert.True(options.Release);
        Assert.Equal("/var/lib/eventshadow", options.StateDirectory);
        Assert.Equal(0, options.SteadySeconds);
    }

    [Theory]
    [InlineData(new[] { "--rate", "5" }, "--path is missing")]
    [InlineData(new[] { "--path", "slow" }, "--path must be fast or full, not 'slow'")]
    [InlineData(new[] { "--path", "1" }, "--path must be fast or full, not '1'")]
    [InlineData(new[] { "--path", "fast", "--rate", "0" }, "--rate must be a number")]
    [InlineData(new[] { "--path", "fast", "--count", "-3" }, "--count must be a whole number from 1 to 1000000, not '-3'")]
    [InlineData(new[] { "--path", "fast", "--server", "http://192.0.2.1:5080" }, "--server must be an absolute loopback URL")]
    [InlineData(new[] { "--path", "fast", "--count" }, "--count needs a value")]
    [InlineData(new[] { "--path", "fast", "--speed", "3" }, "--speed is not an option")]
    [InlineData(new[] { "--path", "fast", "--steady", "-1" }, "--steady must be a whole number from 0 to 3600, not '-1'")]
    public void Options_reject_invalid_input(string[] args, string expected)
    {
        var (options, error) = ThroughputOptions.Parse(args, stateDirectory: null);

        Assert.Null(options);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_help_returns_no_error()
    {
        var (options, error) = ThroughputOptions.Parse(["--path", "fast", "--help"], stateDirectory: null);

        Assert.Null(options);
        Assert.Null(error);
    }

    [Fact]
    public void Latency_summary_uses_nearest_rank()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 200).Select(value => (double)value).Reverse());

        Assert.NotNull(summary);
        Assert.Equal(100, summary.P50);
        Assert.Equal(190, summary.P95);
        Assert.Equal(198, summary.P99);
        Assert.Equal(200, summary.Max);
        Assert.Null(LatencySummary.Of([]));
    }

    [Fact]
    public void Rss_is_read_from_proc_status()
    {
        string[] status = ["Name:\tdotnet", "VmPeak:\t 3000000 kB", "VmRSS:\t  181234 kB", "RssAnon:\t  120000 kB"];

        Assert.Equal(181234, MemorySampler.ParseRssKib(status));
        Assert.Null(MemorySampler.ParseRssKib(["Name:\tdotnet"]));
    }

    [Fact]
    public void Env_file_values_lose_their_quotes()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# settings", "RabbitMq__Host='127.0.0.1'", "RabbitMq__Password=\"a;b\"", "RabbitMq__Username=eventshadow"]);

            var values = RabbitMqSettings.ReadEnvFile(path);

            Assert.Equal("127.0.0.1", values["RabbitMq__Host"]);
            Assert.Equal("a;b", values["RabbitMq__Password"]);
            Assert.Equal("eventshadow", values["RabbitMq__Username"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_rabbitmq_host_is_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RabbitMqSettings.Load(_ => null, "/nonexistent/env"));

        Assert.Contains("RabbitMq__Host is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_text_hides_the_password()
    {
        var settings = new RabbitMqSettings("127.0.0.1", 5672, "/", "eventshadow", "secret-value");

        Assert.DoesNotContain("secret-value", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Failure_reasons_group_by_first_sentence()
    {
        Assert.Equal(
            "No resource pool has room for 250m CPU, 256 MiB: default has 0m CPU, 0 MiB free of 32000m CPU, 131072 MiB.",
            ThroughputReport.Reason("No resource pool has room for 250m CPU, 256 MiB: default has 0m CPU, 0 MiB free of 32000m CPU, 131072 MiB. Nothing fits until capacity is released."));
    }

    [Fact]
    public void Report_counts_commits_without_trial_and_failures()
    {
        var options = ThroughputOptions.Parse(["--path", "fast", "--rate", "100"], stateDirectory: null).Options!;
        NegotiationResult[] results =
        [
            new(Guid.NewGuid(), 20, true, true, 0, null),
            new(Guid.NewGuid(), 40, true, false, 1, null),
            new(Guid.NewGuid(), null, false, false, 0, "no outcome within 120 s (--timeout)"),
        ];
        var phase = new MeasuredPhase(results, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 0);

        var table = ThroughputReport.Results(options, phase);
        var failures = ThroughputReport.Failures(results);

        Assert.Contains("| fast | fast | 100/s | 3 | 3.0 | 2 (1) | 1 | 1.0 | 20 | 40 | 40 | 40 |", table, StringComparison.Ordinal);
        Assert.Contains("| 1 | no outcome within 120 s (--timeout) |", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_times_response_commits_at_response()
    {
        var options = ThroughputOptions.Parse(["--path", "fast", "--rate", "100"], stateDirectory: null).Options!;
        NegotiationResult[] results =
        [
            new(Guid.NewGuid(), 30, true, true, 0, null, AnsweredMs: 10),
            new(Guid.NewGuid(), 50, true, false, 1, null),
        ];
        var phase = new MeasuredPhase(results, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0);

        var table = ThroughputReport.Results(options, phase);

        Assert.Contains("| 30 | 50 | 50 | 50 |", table, StringComparison.Ordinal);
        Assert.Contains("1 of 2 commits came in the response", table, StringComparison.Ordinal);
        Assert.Contains("p50 10 ms, p95 50 ms, p99 50 ms, max 50 ms.", table, StringComparison.Ordinal);
    }
}
