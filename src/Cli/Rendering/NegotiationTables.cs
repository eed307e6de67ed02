using System.Globalization;
using EventShadow.Cli.Api;
using EventShadow.Cli.Following;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventShadow.Cli.Rendering;

/// <summary>One row of the summary that <c>submit --follow</c> prints: a negotiation, or a file the server rejected.</summary>
/// <param name="Detail">The final allocation when committed, otherwise why it did not commit.</param>
public sealed record SummaryRow(string Task, string Id, string Outcome, int? Attempts, string Detail, string Cost);

/// <summary>Tables for <c>list</c> and for the summary of <c>submit --follow</c>.</summary>
public static class NegotiationTables
{
    public static IRenderable List(NegotiationPage page, int offset)
    {
        var table = new Table().AddColumns("ID", "Task", "Status", "Allocation", "Attempts", "Updated");
        table.Columns[4].RightAligned();

        foreach (var item in page.Items)
        {
            table.AddRow(
                new Text(item.Id),
                new Text(item.Task ?? "-"),
                new Markup($"[{NegotiationDetails.StatusColor(item.Status)}]{Markup.Escape(item.Status)}[/]"),
                new Text(Formats.Allocation(item.Allocation)),
                new Text(item.Attempts.ToString(CultureInfo.InvariantCulture)),
                new Text(Formats.Timestamp(item.UpdatedAt)));
        }

        var caption = page.Items.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"No negotiations at offset {offset} of {page.Total}.")
            : string.Create(CultureInfo.InvariantCulture, $"Negotiations {offset + 1}-{offset + page.Items.Count} of {page.Total}.");
        table.Caption(Markup.Escape(caption));
        return table;
    }

    /// <summary>Longest failure reason shown in the summary; <c>eventshadow show ID</c> prints it whole.</summary>
    public const int MaxReasonLength = 140;

    public static IRenderable Summary(IReadOnlyList<SummaryRow> rows)
    {
        var heading = new Markup("[bold]Summary[/]");
        // Following waits until the view is settled, so the cost is final unless that wait timed out.
        var table = new Table().AddColumns("Task", "ID", "Outcome", "Attempts", "Allocation or reason", "Cost");
        table.Columns[3].RightAligned();

        foreach (var row in rows)
        {
            table.AddRow(
                new Text(row.Task),
                new Text(row.Id),
                new Markup($"[{OutcomeColor(row.Outcome)}]{Markup.Escape(row.Outcome)}[/]"),
                new Text(row.Attempts?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                new Text(row.Detail),
                new Text(row.Cost));
        }

        return new Rows(heading, table);
    }

    /// <summary>Builds a summary row from how following one negotiation ended.</summary>
    public static SummaryRow ToSummaryRow(FollowResult result)
    {
        var view = result.View;
        var task = Formats.TaskLabel(view?.Task ?? result.Task, result.Id);
        var attempts = view?.Attempts?.Count;
        var cost = Formats.NegotiationCost(view);

        return result.Outcome switch
        {
            FollowOutcome.Committed => new SummaryRow(task, result.Id, "Committed", attempts, Formats.Allocation(view?.Allocation), cost),
            FollowOutcome.Failed => new SummaryRow(task, result.Id, "Failed", attempts, Formats.Shorten(Formats.Safe(view?.FailureReason ?? "no reason given"), MaxReasonLength), cost),
            FollowOutcome.TimedOut => new SummaryRow(task, result.Id, "Timed out", attempts, $"still {view?.Status ?? "not visible"}", cost),
            _ => new SummaryRow(task, result.Id, "Not found", attempts, "accepted, but the server does not show it", cost),
        };
    }

    /// <summary>Builds a summary row for a file that was not submitted: rejected by the server or unreadable.</summary>
    public static SummaryRow ToRejectedRow(string source, string reason) => new(source, "-", "Rejected", null, reason, "-");

    private static string OutcomeColor(string outcome) =>
        outcome switch
        {
            "Committed" => "green",
            "Timed out" => "yellow",
            _ => "red",
        };
}
