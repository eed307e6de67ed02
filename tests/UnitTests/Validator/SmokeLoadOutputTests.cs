using EventShadow.Validator;

namespace EventShadow.UnitTests.Validator;

/// <summary>
/// Outputs as the tools in the workload image (redis-benchmark 7.0, pgbench 15, ApacheBench 2.3) print them.
/// </summary>
public sealed class SmokeLoadOutputTests
{
    private const string RedisCsv = """
        "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        "SET","12012.01","0.536","0.016","0.119","0.247","4.703","76.799"
        "GET","13183.92","0.533","0.016","0.119","0.199","3.159","76.031"

        """;

    private const string Pgbench = """
        pgbench (15.18 (Debian 15.18-0+deb12u1))
        transaction type: <builtin: TPC-B (sort of)>
        scaling factor: 5
        query mode: simple
        number of clients: 2
        number of threads: 2
        maximum number of tries: 1
        duration: 3 s
        number of transactions actually processed: 2872
        number of failed transactions: 0 (0.000%)
        latency average = 2.085 ms
        initial connection time = 11.658 ms
        tps = 959.336748 (without initial connection time)

        """;

    private const string ApacheBench = """
        Server Software:        nginx/1.22.1
        Server Hostname:        127.0.0.1
        Server Port:            80

        Document Path:          /
        Document Length:        615 bytes

        Concurrency Level:      10
        Time taken for tests:   0.908 seconds
        Complete requests:      2000
        Failed requests:        0
        Total transferred:      1690000 bytes
        HTML transferred:       1230000 bytes
        Requests per second:    2202.71 [#/sec] (mean)

        """;

    [Fact]
    public void Redis_benchmark_csv_reports_each_test_and_slowest_rate()
    {
        var reading = SmokeLoadOutput.Read(RedisCsv, "");

        Assert.Equal("SET 12012 requests/s, GET 13184 requests/s", reading.Summary);
        Assert.Equal(12012.01, reading.RequestsPerSecond);
        Assert.Null(reading.Error);
    }

    [Fact]
    public void Redis_benchmark_error_from_server_is_reported()
    {
        const string header = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n";
        const string error = "Error from server: OOM command not allowed when used memory > 'maxmemory'.\n";

        var reading = SmokeLoadOutput.Read(header, error + error);

        Assert.Equal("redis-benchmark reported no results", reading.Summary);
        Assert.Null(reading.RequestsPerSecond);
        Assert.Equal("Error from server: OOM command not allowed when used memory > 'maxmemory'.", reading.Error);
    }

    [Fact]
    public void Pgbench_reports_transactions_and_rate()
    {
        var reading = SmokeLoadOutput.Read(Pgbench, "dropping old tables...\nNOTICE:  table \"pgbench_accounts\" does not exist, skipping\n");

        Assert.Equal("2872 transactions, 959 transactions/s, 0 failed", reading.Summary);
        Assert.Equal(959.336748, reading.RequestsPerSecond);
        Assert.Null(reading.Error);
    }

    [Fact]
    public void Pgbench_failed_transactions_are_an_error()
    {
        var output = Pgbench.Replace("number of failed transactions: 0 (0.000%)", "number of failed transactions: 12 (0.416%)", StringComparison.Ordinal);

        var reading = SmokeLoadOutput.Read(output, "");

        Assert.Equal("12 of 2884 pgbench transactions failed", reading.Error);
    }

    [Fact]
    public void Pgbench_error_line_explains_a_failed_load()
    {
        const string errorOutput = """
            creating primary keys...
            pgbench: error: query failed: server closed the connection unexpectedly
            	This probably means the server terminated abnormally
            pgbench: detail: Query was: alter table pgbench_accounts add primary key (aid)
            """;

        var reading = SmokeLoadOutput.Read("", errorOutput);

        Assert.Equal("pgbench: error: query failed: server closed the connection unexpectedly", reading.Error);
        Assert.Equal("pgbench: error: query failed: server closed the connection unexpectedly", SmokeLoadOutput.ErrorLine("", errorOutput));
    }

    [Fact]
    public void ApacheBench_reports_requests_and_rate()
    {
        var reading = SmokeLoadOutput.Read(ApacheBench, "");

        Assert.Equal("2000 requests, 2203 requests/s, 0 failed, 0 not 2xx", reading.Summary);
        Assert.Equal(2202.71, reading.RequestsPerSecond);
        Assert.Null(reading.Error);
    }

    [Fact]
    public void ApacheBench_non_2xx_responses_are_an_error()
    {
        var output = ApacheBench.Replace("Total transferred:", "Non-2xx responses:      10\nTotal transferred:", StringComparison.Ordinal);

        var reading = SmokeLoadOutput.Read(output, "");

        Assert.Equal("10 of 2000 HTTP responses had a status other than 2xx", reading.Error);
        Assert.EndsWith("10 not 2xx", reading.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ApacheBench_failed_requests_are_an_error()
    {
        var output = ApacheBench.Replace("Failed requests:        0", "Failed requests:        3", StringComparison.Ordinal);

        Assert.Equal("3 of 2000 HTTP requests failed (connection, length or exception errors)", SmokeLoadOutput.Read(output, "").Error);
    }

    [Fact]
    public void Unknown_output_is_summarised_by_its_last_line()
    {
        var reading = SmokeLoadOutput.Read("warming up\nstress-ng: info: successful run completed in 3.00s\n", "");

        Assert.Equal("stress-ng: info: successful run completed in 3.00s", reading.Summary);
        Assert.Null(reading.RequestsPerSecond);
        Assert.Null(reading.Error);
    }

    [Fact]
    public void Error_line_prefers_error_words_on_standard_error()
    {
        const string errorOutput = "This is ApacheBench, Version 2.3\nBenchmarking 127.0.0.1 (be patient)...apr_socket_recv: Connection refused (111)\n";

        Assert.Equal(
            "Benchmarking 127.0.0.1 (be patient)...apr_socket_recv: Connection refused (111)",
            SmokeLoadOutput.ErrorLine("", errorOutput));
        Assert.Equal("last words", SmokeLoadOutput.ErrorLine("first\nlast words\n", ""));
        Assert.Null(SmokeLoadOutput.ErrorLine("", ""));
    }
}
