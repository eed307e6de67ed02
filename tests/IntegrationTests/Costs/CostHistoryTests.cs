using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventShadow.Contracts;
using EventShadow.CostLedger;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Replay;
using EventShadow.Costs.Reports;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventShadow.IntegrationTests.Costs;

/// <summary>
/// The CostLedger and the Negotiator's cost projections on a hand-made history with a price change
/// mid-day, a shadow that outlives its negotiation and an idle warm shadow. Replays of that history
/// run over HTTP.
/// </summary>
/// <remarks>
/// The history is appended as the PoolManager, the Validator and the saga would append it, without
/// <see cref="RequirementsAnalyzed"/>, so that the saga starts no negotiation of its own.
/// </remarks>
public sealed class CostHistoryTests(CostHistoryFixture history) : IClassFixture<CostHistoryFixture>
{
    private static readonly JsonSerializerOptions Json = CostHistoryFixture.Json;
    private static readonly DateTimeOffset Day1 = CostHistoryFixture.Day1;

    [Fact]
    public async Task Live_costs_match_hand_computation()
    {
        var report = await GetAsync("costs?groupBy=day");

        Assert.Equal(["2026-11-02", "2026-11-03"], report.Rows.Select(row => row.Key));

        // Day 1, shadow runs:
        //   cache attempt 1, 250m/256 MiB from 09:00 to 12:00: 2 h × 0.01125 (v1) + 1 h × 0.0225 (v2) = 0.045
        //   database attempt 1, 500m/256 MiB from 10:00 to 10:10: 1/6 h × 0.02125 = 0.003542
        //   database attempt 2, 500m/512 MiB from 10:15 to 01:00: 0.75 h × 0.0225 (v1) + 13 h × 0.045 (v2) = 0.601875 on day 1
        // Day 1, idle warm shadow of 1 GiB from 20:00: 4 h × 0.01 = 0.04
        var day1 = report.Rows[0];
        Assert.Equal(0.650417m, day1.Shadows.Cost);
        Assert.Equal(0.04m, day1.IdleShadows.Cost);
        Assert.Equal(0.690417m, day1.Cost);
        Assert.Equal(3, day1.Shadows.Runs);
        Assert.Equal(2, day1.Arrivals);
        Assert.Equal(["v1", "v2"], day1.PriceVersions);

        // Day 2: the database shadow's last hour (0.045) and two idle hours (0.02).
        var day2 = report.Rows[1];
        Assert.Equal(0.045m, day2.Shadows.Cost);
        Assert.Equal(0.02m, day2.IdleShadows.Cost);
        Assert.Equal(0, day2.Shadows.Runs);

        // Commitments at v1. Cache: requested 1000m/2048 MiB, committed 250m/256 MiB:
        // 0.75 × 0.04 + 1.75 × 0.005 = 0.03875 saved per hour. Database: CPU from the profile
        // baseline (2000m) against 500m saves 1.5 × 0.04 = 0.06 per hour; memory 256 MiB above the
        // 256 MiB limit costs 0.25 × 0.005 = 0.00125 per hour extra.
        Assert.Equal(2, report.Total.Committed.Allocations);
        Assert.Equal(0.09875m, report.Total.Savings.SavedPerHour);
        Assert.Equal(0.00125m, report.Total.Savings.ExtraPerHour);
        Assert.Equal(0.755417m, report.Total.Cost);
    }

    [Fact]
    public async Task Shadow_outliving_negotiation_attributed_to_it()
    {
        var report = await GetAsync("costs?groupBy=negotiation");

        // Attempt 1 (0.003542) and attempt 2 for its whole life, after the commit at 10:30 and past
        // midnight: 0.601875 on day 1 and 0.045 on day 2.
        var row = report.Rows.Single(row => row.Key == history.Database.ToString());
        Assert.Equal(0.650417m, row.Shadows.Cost);
        Assert.Equal(2, row.Shadows.Runs);
        Assert.Contains("attempt 1 was OOM-killed", row.Savings.Explanation, StringComparison.Ordinal);

        var view = await history.Api.GetFromJsonAsync<JsonElement>($"negotiation/{history.Database}", Json);
        Assert.Equal(0.00125m, view.GetProperty("cost").GetProperty("savings").GetProperty("extraPerHour").GetDecimal());
    }

    [Fact]
    public async Task Replay_with_same_prices_equals_live()
    {
        foreach (var (query, from, to) in new[] { ("day", null, null), ("pool", null, null), ("profile", null, null), ("negotiation", null, null), ("day", "2026-11-03", "2026-11-03") })
        {
            var window = from is null ? "" : $"&from={from}&to={to}";
            var live = await GetAsync($"costs?groupBy={query}{window}");
            var (replayed, progress) = await ReplayAsync(LedgerPrices(), query, from, to);

            Assert.Equal(Serialize(live.Rows), Serialize(replayed.Rows));
            Assert.Equal(Serialize(live.Total), Serialize(replayed.Total));
            Assert.Equal(Serialize(live.Daily), Serialize(replayed.Daily));
            Assert.Equal("replay", replayed.Source);
            Assert.NotEmpty(progress);
            Assert.Equal(1.0, progress[^1].Fraction);
        }
    }

    [Fact]
    public async Task Replay_with_other_prices_leaves_live_alone()
    {
        var eventsBefore = await CountEventsAsync();
        var liveBefore = Serialize(await GetAsync("costs?groupBy=day"));
        var flat = new PricingOptions();
        flat.Lists.Add(new PriceListVersionOptions { Version = "flat", EffectiveFrom = Day1, Pools = { ["default"] = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m } } });

        var (replayed, _) = await ReplayAsync(flat, "day", null, null);

        // Everything at v1: cache 3 h × 0.01125 = 0.03375; database 0.003542 + 14.75 h × 0.0225 = 0.331875; idle 6 h × 0.005 = 0.03.
        Assert.Equal(0.369167m, replayed.Total.Shadows.Cost);
        Assert.Equal(0.03m, replayed.Total.IdleShadows.Cost);
        Assert.Equal(["flat"], replayed.Total.PriceVersions);
        Assert.Equal(liveBefore, Serialize(await GetAsync("costs?groupBy=day")));
        Assert.Equal(eventsBefore, await CountEventsAsync());
    }

    [Fact]
    public async Task Get_costs_rejects_bad_parameters()
    {
        using var response = await history.Api.GetAsync("costs?groupBy=week&from=2026-11-31&to=soon&limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "groupBy", "from", "to", "limit" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {problem}");
        }
    }

    [Fact]
    public async Task Replay_rejects_invalid_price_list()
    {
        using var response = await history.Api.PostAsJsonAsync("costs/replay", new CostReplayRequest(new PricingOptions(), GroupBy: "day"), Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Pricing:Lists is empty", problem.GetProperty("errors").GetProperty("prices")[0].GetString(), StringComparison.Ordinal);
    }

    private static PricingOptions LedgerPrices()
    {
        var options = new PricingOptions();
        options.Lists.Add(new PriceListVersionOptions { Version = "v1", EffectiveFrom = Day1.AddDays(-30), Pools = { ["default"] = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m } } });
        options.Lists.Add(new PriceListVersionOptions { Version = "v2", EffectiveFrom = Day1.AddHours(11), Pools = { ["default"] = new PoolPrice { VcpuHour = 0.08m, GibHour = 0.01m } } });
        return options;
    }

    private async Task<(CostReport Report, List<ReplayProgress> Progress)> ReplayAsync(PricingOptions prices, string groupBy, string? from, string? to)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "costs/replay")
        {
            Content = JsonContent.Create(new CostReplayRequest(prices, from, to, groupBy), options: Json),
        };
        using var response = await history.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);

        var progress = new List<ReplayProgress>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            var parsed = JsonSerializer.Deserialize<ReplayLine>(line, Json)!;
            switch (parsed.Type)
            {
                case "progress":
                    progress.Add(parsed.Progress!);
                    break;
                case "report":
                    return (parsed.Report!, progress);
                default:
                    Assert.Fail($"The replay sent an unexpected line: {line}");
                    break;
            }
        }

        throw new InvalidOperationException("The replay ended without a report.");
    }

    private async Task<long> CountEventsAsync()
    {
        await using var connection = new NpgsqlConnection(EventStoreSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {history.SchemaName}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task<CostReport> GetAsync(string path) => history.GetAsync(path);

    private static string Serialize<T>(T value) => CostHistoryFixture.Serialize(value);
}

/// <summary>
/// The Negotiator and the CostLedger on one test schema and virtual host, with the hand-made history
/// appended and priced once for every test of <see cref="CostHistoryTests"/>.
/// </summary>
public sealed class CostHistoryFixture : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    public static readonly DateTimeOffset Day1 = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Guid cache = Guid.NewGuid();
    private readonly List<WebApplication> services = [];
    private TestServices infrastructure = null!;
    private EventStoreProbe eventStore = null!;

    public Guid Database { get; } = Guid.NewGuid();

    public HttpClient Api { get; private set; } = null!;

    public string SchemaName => infrastructure.Schema.Name;

    /// <summary>v1 (0.04 per vCPU-hour, 0.005 per GiB-hour) until 11:00 on day 1, then v2 at double.</summary>
    private static string[] PriceSettings =>
    [
        "--Pricing:Lists:0:Version=v1",
        $"--Pricing:Lists:0:EffectiveFrom={Day1.AddDays(-30):O}",
        "--Pricing:Lists:0:Pools:default:VcpuHour=0.04",
        "--Pricing:Lists:0:Pools:default:GibHour=0.005",
        "--Pricing:Lists:1:Version=v2",
        $"--Pricing:Lists:1:EffectiveFrom={Day1.AddHours(11):O}",
        "--Pricing:Lists:1:Pools:default:VcpuHour=0.08",
        "--Pricing:Lists:1:Pools:default:GibHour=0.01",
    ];

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        var arguments = infrastructure.ServiceArguments("--EventStore:PollingMilliseconds=100");

        var negotiator = await StartAsync(NegotiatorApplication.Build([.. arguments, SourceTree.ContentRootArgument("Negotiator")]));
        await StartAsync(CostLedgerApplication.Build([.. arguments, .. PriceSettings, SourceTree.ContentRootArgument("CostLedger")]));

        var address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Api = TestServices.CreateApiClient(address, TimeSpan.FromSeconds(60));
        eventStore = new EventStoreProbe(infrastructure.Schema);

        await AppendHistoryAsync();
        await WaitForLiveHistoryAsync();
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        foreach (var service in Enumerable.Reverse(services))
        {
            await service.StopAsync();
            await service.DisposeAsync();
        }

        if (eventStore is not null)
        {
            await eventStore.DisposeAsync();
        }

        await infrastructure.DisposeAsync();
    }

    private async Task AppendHistoryAsync()
    {
        var cacheTask = Container(new ResourceBounds(1000, 2048), ResourceBounds.None);
        await eventStore.AppendAsync(
            cache,
            new PartialTaskSubmitted(cache, "Deployment/cache/redis", "cache.yaml", "kubernetes", cacheTask, Day1.AddHours(9)),
            new AllocationProposed(cache, 1, new(250, 256), "request", WorkloadProfile.Cache, cacheTask),
            new ShadowClaimed(cache, 1, "cache-1", "eventshadow-cache-1", "workload", ColdStart: true, Day1.AddHours(9)),
            new ValidationPassed(cache, 1, "cache-1", Measurements(ready: 2.0)),
            new AllocationCommitted(cache, 1, new(250, 256), Day1.AddHours(10)),
            new ShadowReleased(cache, 1, "cache-1", new(250, 256), Day1.AddHours(9), Day1.AddHours(12)));

        var databaseTask = Container(ResourceBounds.None, new ResourceBounds(null, 256));
        await eventStore.AppendAsync(
            Database,
            new PartialTaskSubmitted(Database, "StatefulSet/db/postgres", "db.yaml", "kubernetes", databaseTask, Day1.AddHours(10)),
            new AllocationProposed(Database, 1, new(500, 256), "limit", WorkloadProfile.Database, databaseTask),
            new ShadowClaimed(Database, 1, "db-1", "eventshadow-db-1", "workload", ColdStart: true, Day1.AddHours(10)),
            new ValidationFailed(Database, 1, "db-1", ValidationFailure.OutOfMemory, ["OOM-killed"], Measurements(ready: null)),
            new AllocationProposed(Database, 2, new(500, 512), "doubled after an OOM kill", WorkloadProfile.Database, databaseTask),
            new ShadowReleased(Database, 1, "db-1", new(500, 256), Day1.AddHours(10), Day1.AddHours(10).AddMinutes(10)),
            new ShadowClaimed(Database, 2, "db-2", "eventshadow-db-2", "workload", ColdStart: true, Day1.AddHours(10.25)),
            new ValidationPassed(Database, 2, "db-2", Measurements(ready: 6.0)),
            new AllocationCommitted(Database, 2, new(500, 512), Day1.AddHours(10.5)),
            new ShadowReleased(Database, 2, "db-2", new(500, 512), Day1.AddHours(10.25), Day2.AddHours(1)));

        await eventStore.AppendAsync(
            CostStreams.ForWarmShadow("default", "warm-1"),
            new WarmShadowIdled("default", WorkloadProfile.Cache, "warm-1", 1024, Day1.AddHours(20), Day2.AddHours(2)));
    }

    /// <summary>Waits until the CostLedger priced everything and the projections caught up.</summary>
    private async Task WaitForLiveHistoryAsync()
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        CostReport? report = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            report = await GetAsync("costs?groupBy=negotiation");
            if (report.Total is { Shadows.Runs: 3, Committed.Allocations: 2, IdleShadows.Periods: 1 } && report.TotalRows == 2)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The cost history did not reach 3 shadow runs, 2 commitments and 1 idle period within {Timeout}: {Serialize(report?.Total)}");
    }

    public async Task<CostReport> GetAsync(string path)
    {
        using var response = await Api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} failed with {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<CostReport>(body, Json)!;
    }

    private async Task<WebApplication> StartAsync(WebApplication service)
    {
        await service.StartAsync();
        services.Add(service);
        return service;
    }

    private static ContainerSpec Container(ResourceBounds requests, ResourceBounds limits) =>
        new("app", "redis:7", null, null, new Dictionary<string, string>(), requests, limits);

    private static ValidationMeasurements Measurements(double? ready) => new(true, ready is not null, ready is null, ready is null ? 1 : 0, 200, null, ready, 0, 100, 5);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
}
