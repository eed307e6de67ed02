using System.Diagnostics;
using EventShadow.Contracts;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Rules;
using JasperFx.Events;
using Marten;
using Npgsql;
using JasperFx;
using Weasel.Core;

namespace EventShadow.Benchmarks;

/// <summary>
/// A generated negotiation history in a PostgreSQL schema of its own, bulk-inserted with Marten's
/// <c>BulkInsertEventsAsync</c> (binary COPY), dropped when the process exits.
/// </summary>
/// <remarks>
/// Each negotiation has the events a real one has: submission, analysis, proposal, claim,
/// configuration, validation, commitment, release and the CostLedger's two cost events (10), and
/// every fifth one a failed first attempt before (5 more). Submissions spread over 60 days.
/// </remarks>
public sealed class CostHistoryGenerator
{
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private CostHistoryGenerator(DocumentStore store, string schema, long events, int negotiations, IReadOnlyList<Guid> streams, TimeSpan took)
    {
        Store = store;
        Schema = schema;
        Events = events;
        Negotiations = negotiations;
        Streams = streams;
        GenerationTime = took;
    }

    public DocumentStore Store { get; }

    public string Schema { get; }

    public long Events { get; }

    public int Negotiations { get; }

    public IReadOnlyList<Guid> Streams { get; }

    public TimeSpan GenerationTime { get; }

    /// <summary>Creates the schema and inserts negotiations until the history has at least <paramref name="minimumEvents"/> events.</summary>
    public static async Task<CostHistoryGenerator> CreateAsync(long minimumEvents)
    {
        var connectionString = BenchmarkSettings.EventStoreConnectionString;
        var schema = $"bench_costs_{Guid.NewGuid():N}"[..20];
        var store = DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.DatabaseSchemaName = schema;
            options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
            options.Events.StreamIdentity = StreamIdentity.AsGuid;
            options.Events.AddEventTypes(NegotiationEvents.All);
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DropSchemaAsync(connectionString, schema).GetAwaiter().GetResult();

        var clock = Stopwatch.StartNew();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        var prices = Prices();
        var streams = new List<Guid>();
        var batch = new List<StreamAction>();
        long events = 0;
        var index = 0;
        while (events < minimumEvents)
        {
            var id = Guid.CreateVersion7(Start.AddSeconds(index * 50));
            var history = Negotiation(id, index, prices);
            batch.Add(StreamAction.Start((Marten.Events.EventGraph)store.Options.Events, id, history));
            streams.Add(id);
            events += history.Length;
            index++;

            if (batch.Count == 10_000)
            {
                await store.BulkInsertEventsAsync(batch, 50_000);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await store.BulkInsertEventsAsync(batch, 50_000);
        }

        var took = clock.Elapsed;
        Console.WriteLine($"// Generated {events:N0} events in {index:N0} negotiations in schema {schema} in {took.TotalSeconds:0.0} s");
        return new CostHistoryGenerator(store, schema, events, index, streams, took);
    }

    /// <summary>The price list the generated cost events were priced with, and the replay uses.</summary>
    public static PriceList Prices()
    {
        var options = new PricingOptions();
        options.Lists.Add(new PriceListVersionOptions { Version = "bench-v1", EffectiveFrom = Start, Pools = { ["default"] = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m } } });
        options.Lists.Add(new PriceListVersionOptions { Version = "bench-v2", EffectiveFrom = Start.AddDays(30), Pools = { ["default"] = new PoolPrice { VcpuHour = 0.05m, GibHour = 0.006m } } });
        return PriceList.From(options);
    }

    private static object[] Negotiation(Guid id, int index, PriceList prices)
    {
        var submittedAt = Start.AddSeconds(index * 50);
        var profile = (WorkloadProfile)(index % 8);
        var container = new ContainerSpec(
            "app", "redis:7", null, null, new Dictionary<string, string>(), new ResourceBounds(1000, 1024), ResourceBounds.None);
        var events = new List<object>
        {
            new PartialTaskSubmitted(id, $"Deployment/app-{index}/app", "bench.yaml", "kubernetes", container, submittedAt),
            new RequirementsAnalyzed(id, $"Deployment/app-{index}/app", profile, container, []),
        };

        var attempt = 1;
        var allocation = new ResourceAllocation(250, 256);
        var at = submittedAt.AddSeconds(1);
        if (index % 5 == 0)
        {
            events.Add(new AllocationProposed(id, attempt, allocation, "first", profile, container));
            events.Add(new ShadowClaimed(id, attempt, $"s{index}-1", $"eventshadow-{index}-1", "workload", true, at));
            events.Add(new ValidationFailed(id, attempt, $"s{index}-1", ValidationFailure.OutOfMemory, ["OOM"], Measured(null)));
            events.Add(new ShadowReleased(id, attempt, $"s{index}-1", allocation, at, at.AddSeconds(20)));
            attempt = 2;
            allocation = new ResourceAllocation(250, 512);
            at = at.AddSeconds(21);
        }

        var release = new ShadowReleased(id, attempt, $"s{index}-{attempt}", allocation, at, at.AddSeconds(30 + (index % 60)));
        var committed = new AllocationCommitted(id, attempt, allocation, at.AddSeconds(15));
        events.Add(new AllocationProposed(id, attempt, allocation, "proposal", profile, container));
        events.Add(new ShadowClaimed(id, attempt, release.ShadowId, $"eventshadow-{index}-{attempt}", "workload", true, at));
        events.Add(new ShadowConfigured(id, attempt, release.ShadowId, allocation, "exec", null, at.AddSeconds(1)));
        events.Add(new ValidationPassed(id, attempt, release.ShadowId, Measured(2 + (index % 7))));
        events.Add(committed);
        events.Add(release);

        // The CostLedger's events, as the live service records them, so the stream is as large as a real one.
        var facts = NegotiationFacts.From(id, events);
        events.Add(CostRules.PriceCommitment(committed, facts, prices));
        if (index % 5 == 0)
        {
            events.Add(CostRules.PriceShadowRun((ShadowReleased)events[5], facts, prices));
        }

        events.Add(CostRules.PriceShadowRun(release, facts, prices));
        return [.. events];
    }

    private static ValidationMeasurements Measured(double? ready) => new(true, ready is not null, ready is null, ready is null ? 1 : 0, 120, null, ready, 0, 40, 5);

    private static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
        Console.WriteLine($"// Dropped schema {schema}");
    }
}

/// <summary>
/// Where the benchmark's PostgreSQL is: <c>ConnectionStrings__EventStore</c>, else the env file that
/// <c>infra/setup.sh</c> writes.
/// </summary>
public static class BenchmarkSettings
{
    public static string EventStoreConnectionString
    {
        get
        {
            const string Name = "ConnectionStrings__EventStore";
            if (Environment.GetEnvironmentVariable(Name) is { Length: > 0 } fromEnvironment)
            {
                return fromEnvironment;
            }

            var envFile = Path.Combine(Environment.GetEnvironmentVariable("EVENTSHADOW_STATE_DIR") ?? "/var/lib/eventshadow", "env");
            var line = File.Exists(envFile) ? File.ReadLines(envFile).FirstOrDefault(text => text.StartsWith(Name + "=", StringComparison.Ordinal)) : null;
            return line?[(Name.Length + 1)..].Trim('\'')
                ?? throw new InvalidOperationException($"{Name} is not set and {envFile} does not have it; run `bash infra/setup.sh` first.");
        }
    }
}
