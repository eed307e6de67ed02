using System.Globalization;
using EventShadow.Cli.Rendering;
using EventShadow.Costs.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventShadow.Cli.Commands;

/// <summary>
/// A cost report as a table: one row per group and a total, then the notes that explain zeros and extra cost.
/// </summary>
public static class CostReportTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IRenderable Render(CostReport report)
    {
        var period = report.From is null && report.To is null
            ? "all history"
            : $"{Day(report.From)} to {Day(report.To)}";
        var title = $"Costs by {report.GroupBy}, {period} ({report.Source}, {(report.Currency.Length == 0 ? "no costs" : report.Currency)})";

        var table = new Table().Title(Markup.Escape(title));
        table.AddColumn(KeyHeader(report.GroupBy));
        foreach (var header in new[] { "arrivals", "shadow runs", "shadow cost", "idle cost", "cost", "committed", "committed/h", "saved/month", "extra/month", "warm starts", "ready s saved" })
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        foreach (var row in report.Rows)
        {
            table.AddRow(Cells(row, row.Task is null ? row.Key : Formats.TaskLabel(row.Task, row.Key)));
        }

        table.AddEmptyRow();
        table.AddRow(Cells(report.Total, "total"));
        return table;
    }

    /// <summary>
    /// Lines under the table: price versions, why warm starts saved nothing, each negotiation's
    /// savings explanation, and the page when negotiation rows are paged.
    /// </summary>
    public static IReadOnlyList<string> Notes(CostReport report)
    {
        var notes = new List<string>();
        if (report.Total.PriceVersions.Count > 0)
        {
            notes.Add($"Price list versions: {string.Join(", ", report.Total.PriceVersions)}.");
        }

        if (report.Total.ColdStarts.Reason is { } reason)
        {
            notes.Add($"Start-up time saved by warm shadows: 0 s. {reason}");
        }

        notes.Add("Committed, saved and extra amounts are rates: they accrue for as long as the scheduler runs the allocations (a month is 730 hours).");

        foreach (var row in report.Rows.Where(row => row.Savings.Explanation is not null))
        {
            notes.Add($"{Formats.TaskLabel(row.Task ?? "", row.Key)}: {Formats.Safe(row.Savings.Explanation!)}");
        }

        if (report.GroupBy == "negotiation" && report.TotalRows > report.Rows.Count)
        {
            notes.Add(string.Create(Invariant, $"Showing {report.Rows.Count} of {report.TotalRows} negotiations; use --offset and --limit for more."));
        }

        return notes;
    }

    private static string[] Cells(CostRow row, string label) =>
    [
        Markup.Escape(Formats.Safe(label)),
        row.Arrivals?.ToString(Invariant) ?? "-",
        row.Shadows.Runs.ToString(Invariant),
        Money(row.Shadows.Cost),
        Money(row.IdleShadows.Cost),
        Money(row.Cost),
        row.Committed.Allocations.ToString(Invariant),
        Money(row.Committed.PerHour),
        Money(row.Savings.SavedPerMonth),
        Money(row.Savings.ExtraPerMonth),
        row.ColdStarts.WarmStarts.ToString(Invariant),
        row.ColdStarts.ReadySecondsSaved.ToString("0.#", Invariant),
    ];

    private static string Money(decimal amount) => Formats.Cost(new Api.Cost(amount, null));

    private static string KeyHeader(string groupBy) => groupBy switch
    {
        "negotiation" => "task",
        _ => groupBy,
    };

    private static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", Invariant) ?? "open";
}
