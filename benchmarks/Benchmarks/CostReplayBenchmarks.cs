using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EventShadow.Contracts;
using EventShadow.Costs.Ledger;
using EventShadow.Costs.Replay;
using EventShadow.Costs.Reports;

namespace EventShadow.Benchmarks;

/// <summary>
/// Replay speed of the cost history on a generated history of at least a million events, against a
/// naive replay that reads every negotiation's stream with Marten's <c>FetchStreamAsync</c>.
/// </summary>
/// <remarks>
/// The history is generated once per process (see <see cref="CostHistoryGenerator"/>) and its schema
/// dropped when the process exits. The naive replay reads the first <see cref="BaselineStreams"/>
/// streams only, which keeps the run short; events per second are comparable all the same.
/// </remarks>
[Config(typeof(Configuration))]
public class CostReplayBenchmarks
{
    public const long MinimumEvents = 1_000_000;
    public const int BaselineStreams = 10_000;

    private static readonly Lazy<Task<CostHistoryGenerator>> History = new(() => CostHistoryGenerator.CreateAsync(MinimumEvents));

    /// <summary>Events one operation of each benchmark reads, for the events/s column.</summary>
    internal static Dictionary<string, long> EventsPerOperation { get; } = new(StringComparer.Ordinal);

    private CostHistoryGenerator history = null!;

    [GlobalSetup]
    public async Task GenerateHistory()
    {
        history = await History.Value;
        EventsPerOperation[nameof(CostReplay)] = await CountCostFactsAsync();
        EventsPerOperation[nameof(FetchStreamPerNegotiation)] = await CountStreamEventsAsync(BaselineStreams);
    }

    /// <summary>Reads every event of each negotiation with one <c>FetchStreamAsync</c> per stream and prices it in memory.</summary>
    [Benchmark(Baseline = true, Description = "FetchStream per negotiation (baseline)")]
    public async Task<long> FetchStreamPerNegotiation()
    {
        var pricing = new ReplayPricing(CostHistoryGenerator.Prices(), new CostBook(keepNegotiations: false));
        long events = 0;
        await using var session = history.Store.QuerySession();
        foreach (var id in history.Streams.Take(BaselineStreams))
        {
            foreach (var @event in await session.Events.FetchStreamAsync(id))
            {
                pricing.Apply(@event.Sequence, @event.Data, @event.Timestamp);
                events++;
            }
        }

        return events;
    }

    /// <summary>The cost replay: keyset pages of the fact event types over the whole history, and the report.</summary>
    [Benchmark(Description = "CostReplay, keyset pages")]
    public async Task<long> CostReplay()
    {
        var replay = new CostReplay(history.Store);
        var report = await replay.RunAsync(CostHistoryGenerator.Prices(), CostQuery.All, _ => Task.CompletedTask, CancellationToken.None);
        return report.Replay!.Events;
    }

    private async Task<long> CountCostFactsAsync()
    {
        var reader = new EventPageReader(history.Store, EventPageReader.CostFacts);
        await using var connection = await reader.OpenAsync(CancellationToken.None);
        long count = 0;
        long sequence = 0;
        var last = await reader.ReadLastSequenceAsync(CancellationToken.None);
        while (sequence < last)
        {
            var (read, reached) = await reader.ReadPageAsync(connection, sequence, last, 50_000, (_, _, _) => { }, CancellationToken.None);
            count += read;
            sequence = reached;
        }

        return count;
    }

    private async Task<long> CountStreamEventsAsync(int streams)
    {
        await using var session = history.Store.QuerySession();
        long count = 0;
        foreach (var id in history.Streams.Take(streams))
        {
            count += (await session.Events.FetchStreamStateAsync(id))?.Version ?? 0;
        }

        return count;
    }

    /// <summary>
    /// One launch with 1 warm-up and 3 measured operations of each benchmark (an operation reads up to
    /// a million events, so each is long enough to time on its own), in the host process.
    /// </summary>
    private sealed class Configuration : ManualConfig
    {
        public Configuration()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(1)
                .WithIterationCount(3)
                .WithLaunchCount(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(new EventsPerSecondColumn(), new EventsPerOperationColumn());
        }
    }
}

/// <summary>Events read per second: the events one operation reads divided by its mean time.</summary>
public sealed class EventsPerSecondColumn : IColumn
{
    public string Id => nameof(EventsPerSecondColumn);

    public string ColumnName => "Events/s";

    public string Legend => "Events read per second (events of one operation divided by its mean time)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { Mean: > 0 } statistics ||
            !CostReplayBenchmarks.EventsPerOperation.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var events))
        {
            return "-";
        }

        return (events / (statistics.Mean / 1e9)).ToString("N0", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}

/// <summary>Events one operation reads.</summary>
public sealed class EventsPerOperationColumn : IColumn
{
    public string Id => nameof(EventsPerOperationColumn);

    public string ColumnName => "Events/op";

    public string Legend => "Events one operation reads";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        CostReplayBenchmarks.EventsPerOperation.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var events)
            ? events.ToString("N0", CultureInfo.InvariantCulture)
            : "-";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
