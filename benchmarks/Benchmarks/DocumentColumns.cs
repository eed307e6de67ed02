using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EventShadow.Benchmarks;

/// <summary>
/// A column computed from one pass over <see cref="ManifestCorpus"/>, divided per document.
/// </summary>
public abstract class PerDocumentColumn : IColumn
{
    public abstract string Id { get; }

    public abstract string ColumnName { get; }

    public abstract string Legend { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        return report is null ? "-" : Compute(report, benchmarkCase, ManifestCorpus.DocumentCount) ?? "-";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;

    /// <summary>Returns the formatted value, or null when the report lacks the measurement.</summary>
    protected abstract string? Compute(BenchmarkReport report, BenchmarkCase benchmarkCase, int documents);
}

/// <summary>Documents read per second: the corpus's document count divided by the mean time of one pass.</summary>
public sealed class DocumentsPerSecondColumn : PerDocumentColumn
{
    public override string Id => nameof(DocumentsPerSecondColumn);

    public override string ColumnName => "Documents/s";

    public override string Legend => "YAML documents read per second (one pass over the corpus divided by its mean time)";

    protected override string? Compute(BenchmarkReport report, BenchmarkCase benchmarkCase, int documents)
    {
        if (report.ResultStatistics is not { Mean: > 0 } statistics)
        {
            return null;
        }

        var perSecond = documents / (statistics.Mean / 1e9);
        return perSecond.ToString("N0", CultureInfo.InvariantCulture);
    }
}

/// <summary>Bytes allocated per document: the allocation of one pass divided by the corpus's document count.</summary>
public sealed class AllocatedPerDocumentColumn : PerDocumentColumn
{
    public override string Id => nameof(AllocatedPerDocumentColumn);

    public override string ColumnName => "Allocated/document";

    public override string Legend => "Bytes allocated per YAML document (allocation of one pass divided by the document count)";

    protected override string? Compute(BenchmarkReport report, BenchmarkCase benchmarkCase, int documents)
    {
        if (report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) is not { } bytes)
        {
            return null;
        }

        return (bytes / (double)documents).ToString("N0", CultureInfo.InvariantCulture) + " B";
    }
}
