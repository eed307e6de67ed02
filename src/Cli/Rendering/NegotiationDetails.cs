using System.Globalization;
using EventShadow.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventShadow.Cli.Rendering;

/// <summary>
/// The readable layout of one negotiation for <c>show</c>: its fields, the resource hints, then each
/// attempt with its allocation, rationale and validation measurements.
/// </summary>
public static class NegotiationDetails
{
    public static IRenderable Render(NegotiationView view)
    {
        var sections = new List<IRenderable>
        {
            new Rule($"[bold]Negotiation {Markup.Escape(view.Id)}[/]").LeftJustified(),
            Fields(view),
        };

        if (view.Hints is { Count: > 0 } hints)
        {
            sections.Add(new Text(""));
            sections.Add(new Markup("[bold]Resource hints[/]"));
            sections.Add(Hints(hints));
        }

        // A commit without a trial has no attempts. Its rationale is printed once, as the "Committed as" field.
        var attempts = (view.Attempts ?? []).OrderBy(attempt => attempt.Attempt).ToList();
        if (attempts.Count == 0)
        {
            sections.Add(new Text(""));
            sections.Add(view.CommittedWithoutTrial
                ? new Markup("[green]No trial: committed from usage history.[/]")
                : new Markup("[grey]No allocation proposed yet.[/]"));
        }

        foreach (var attempt in attempts)
        {
            sections.Add(new Text(""));
            sections.Add(Attempt(attempt));
        }

        return new Rows(sections);
    }

    /// <summary>Returns the markup colour for a status: green when committed, red when failed, yellow while running.</summary>
    public static string StatusColor(string status) =>
        status switch
        {
            NegotiationStatus.Committed => "green",
            NegotiationStatus.Failed => "red",
            _ => "yellow",
        };

    private static Grid Fields(NegotiationView view)
    {
        var grid = FieldGrid();
        AddField(grid, "Task", view.Task ?? "-");
        AddField(grid, "Source", Formats.Safe(view.Format is null ? view.Source ?? "-" : $"{view.Source ?? "-"} ({view.Format})"));
        grid.AddRow(new Markup("[grey]Status[/]"), new Markup($"[{StatusColor(view.Status)}]{Markup.Escape(view.Status)}[/]"));
        AddField(grid, "Profile", view.Profile ?? "-");
        AddField(grid, "Allocation", Formats.Allocation(view.Allocation));
        if (!string.IsNullOrWhiteSpace(view.CommitRationale))
        {
            AddField(grid, "Committed as", Formats.Safe(view.CommitRationale));
        }

        AddField(grid, "Pool", Formats.Safe(view.Pool ?? "-"));
        if (view.ReleasedAt is { } released)
        {
            AddField(grid, "Released", Formats.Timestamp(released));
        }

        if (!string.IsNullOrWhiteSpace(view.FailureReason))
        {
            AddField(grid, "Failure", Formats.Safe(view.FailureReason));
        }

        AddField(grid, "Cost", Formats.NegotiationCost(view));
        AddField(grid, "Submitted", Formats.Timestamp(view.SubmittedAt));
        AddField(grid, "Updated", Formats.Timestamp(view.UpdatedAt));
        return grid;
    }

    private static Table Hints(IReadOnlyList<ResourceHint> hints)
    {
        var table = new Table().AddColumns("Hint", "Value", "From");
        foreach (var hint in hints)
        {
            table.AddRow(new Text(Formats.Safe(hint.Name)), new Text(Formats.Safe(hint.Value ?? "-")), new Text(Formats.Safe(hint.Source ?? "-")));
        }

        return table;
    }

    private static Rows Attempt(NegotiationAttempt attempt)
    {
        var title = string.Create(CultureInfo.InvariantCulture, $"Attempt {attempt.Attempt}: {Formats.Allocation(attempt.Allocation)}");
        var grid = FieldGrid();
        AddField(grid, "Rationale", Formats.Safe(attempt.Rationale ?? "-"));
        foreach (var alternative in attempt.Alternatives ?? [])
        {
            var cost = alternative.HourlyCost is { } hourly ? string.Create(CultureInfo.InvariantCulture, $", {hourly:0.######}/h") : "";
            AddField(grid, "Alternative", Formats.Safe(
                $"{alternative.Label}: {Formats.Allocation(alternative.Allocation)} in {alternative.Pool ?? "-"}{cost} ({alternative.Rationale ?? "-"})"));
        }

        AddField(grid, "Shadow", attempt.ColdStart == true ? $"{Formats.ShadowId(attempt.ShadowId)} (cold start)" : Formats.ShadowId(attempt.ShadowId));

        if (attempt.Validation is not { } validation)
        {
            AddField(grid, "Validation", "not finished");
            return new Rows(new Markup($"[bold]{Markup.Escape(title)}[/]"), grid);
        }

        var verdictColor = validation.Passed ? "green" : "red";
        grid.AddRow(
            new Markup("[grey]Validation[/]"),
            new Markup($"[{verdictColor}]{Markup.Escape(Formats.Validation(validation, attempt.Allocation))}[/]"));
        AddMeasurements(grid, validation, attempt.Allocation);
        return new Rows(new Markup($"[bold]{Markup.Escape(title)}[/]"), grid);
    }

    private static void AddMeasurements(Grid grid, AttemptValidation validation, Allocation? allocation)
    {
        var invariant = CultureInfo.InvariantCulture;

        if (!string.IsNullOrWhiteSpace(validation.Failure))
        {
            AddField(grid, "Failure", validation.Failure);
        }

        foreach (var reason in validation.Reasons ?? [])
        {
            AddField(grid, "Reason", Formats.Safe(reason));
        }

        if (validation.PeakMemoryMiB is { } peak)
        {
            var limit = allocation is null ? "" : string.Create(invariant, $" of {allocation.MemoryMiB} MiB limit");
            AddField(grid, "Peak memory", Formats.MemoryMiB(peak) + limit);
        }

        if (validation.OomKilled is { } oomKilled)
        {
            var kills = oomKilled && validation.OomKillCount is > 1 ? string.Create(invariant, $", {validation.OomKillCount} kills") : "";
            AddField(grid, "OOM-killed", (oomKilled ? "yes" : "no") + kills);
        }

        if (validation.ExitCode is { } exitCode)
        {
            AddField(grid, "Exit code", exitCode.ToString(invariant));
        }

        AddField(grid, "Ready after", validation.TimeToReadySeconds is { } ready ? Formats.Seconds(ready) : "-");

        if (Formats.ThrottledShare(validation) is { } throttled)
        {
            AddField(grid, "CPU throttled", throttled);
        }
    }

    private static Grid FieldGrid()
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().PadRight(2));
        grid.AddColumn();
        return grid;
    }

    private static void AddField(Grid grid, string name, string value) =>
        grid.AddRow(new Markup($"[grey]{Markup.Escape(name)}[/]"), new Text(value));
}
