using System.Net;
using System.Text;
using System.Text.Json;
using EventShadow.Cli;
using EventShadow.Cli.Commands;
using EventShadow.Costs.Reports;
using EventShadow.UnitTests.Cli;

namespace EventShadow.UnitTests.Costs;

public class CostCommandTests
{
    private static readonly string ReportJson = JsonSerializer.Serialize(
        CostReportBuilder.Build(CostQuery.All, CostChartTests.Book().Cells, CostChartTests.Book().Arrivals, [], "live"),
        CostClient.JsonOptions);

    [Fact]
    public async Task Costs_prints_table_with_total()
    {
        var server = new CostServer { GetBody = ReportJson };
        var (code, output, _) = await RunAsync(server, "costs", "--group-by", "pool", "--from", "2026-12-01", "--to", "2026-12-14");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("/costs?groupBy=pool&from=2026-12-01&to=2026-12-14&limit=100&offset=0", server.Requests.Single().RequestUri!.PathAndQuery);
        Assert.Contains("total", output, StringComparison.Ordinal);
        Assert.Contains("Price list versions: v1.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Costs_rejects_invalid_day()
    {
        var server = new CostServer();
        var (code, _, error) = await RunAsync(server, "costs", "--from", "2026-13-01");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--from", error, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Replay_shows_progress_and_writes_chart()
    {
        var prices = PricesFile();
        var chart = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.png");
        var report = JsonDocument.Parse(ReportJson).RootElement;
        var server = new CostServer
        {
            ReplayBody =
                """{"type":"progress","progress":{"events":5000,"sequence":5000,"lastSequence":10000,"seconds":0.5,"eventsPerSecond":10000}}""" + "\n" +
                JsonSerializer.Serialize(new { type = "report", report }) + "\n",
        };

        try
        {
            var (code, output, error) = await RunAsync(server, "costs", "replay", "--prices", prices, "--chart", chart);

            Assert.Equal(ExitCodes.Success, code);
            Assert.Contains("50% of the stream: 5,000 events read", error, StringComparison.Ordinal);
            Assert.Contains("total", output, StringComparison.Ordinal);
            Assert.True(File.Exists(chart));
            var posted = JsonDocument.Parse(server.PostedBody!).RootElement;
            Assert.Equal("what-if", posted.GetProperty("prices").GetProperty("lists")[0].GetProperty("version").GetString());
        }
        finally
        {
            File.Delete(prices);
            File.Delete(chart);
        }
    }

    [Fact]
    public async Task Replay_error_line_fails()
    {
        var prices = PricesFile();
        var server = new CostServer { ReplayBody = """{"type":"error","error":"Price list version 'what-if' has no prices for pool 'gpu'"}""" + "\n" };

        try
        {
            var (code, _, error) = await RunAsync(server, "costs", "replay", "--prices", prices);

            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains("no prices for pool 'gpu'", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(prices);
        }
    }

    [Fact]
    public async Task Replay_rejects_missing_prices()
    {
        var server = new CostServer();

        var (missingOption, _, _) = await RunAsync(server, "costs", "replay");
        var (missingFile, _, error) = await RunAsync(server, "costs", "replay", "--prices", "/nonexistent/prices.json");

        Assert.Equal(ExitCodes.UsageError, missingOption);
        Assert.Equal(ExitCodes.UsageError, missingFile);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    /// <summary>Writes a price list as a whole appsettings file, the way an operator may pass the CostLedger's own.</summary>
    private static string PricesFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              "Urls": "http://127.0.0.1:5083",
              "Pricing": {
                "Currency": "USD",
                "Lists": [ { "Version": "what-if", "EffectiveFrom": "2026-01-01T00:00:00Z", "Pools": { "default": { "VcpuHour": 0.03, "GibHour": 0.004 } } } ]
              }
            }
            """);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(CostServer server, params string[] args)
    {
        var output = new StringConsole();
        var error = new StringConsole();
        var json = new StringWriter();
        var host = new CliHost
        {
            Out = output.Console,
            Error = error.Console,
            JsonOut = json,
            CreateHandler = () => server,
            GetEnvironmentVariable = _ => null,
            ReadEnvFile = _ => null,
        };

        var code = await CliApplication.RunAsync(host, args, CancellationToken.None);
        return (code, output.Text + json, error.Text);
    }

    /// <summary>Plays <c>GET /costs</c> and <c>POST /costs/replay</c> with prepared bodies.</summary>
    private sealed class CostServer : HttpMessageHandler
    {
        public string GetBody { get; init; } = "{}";

        public string ReplayBody { get; init; } = "";

        public string? PostedBody { get; private set; }

        public List<HttpRequestMessage> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            if (request.Method == HttpMethod.Post)
            {
                PostedBody = await request.Content!.ReadAsStringAsync(cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(ReplayBody, Encoding.UTF8, "application/x-ndjson") };
            }

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(GetBody, Encoding.UTF8, "application/json") };
        }
    }
}
