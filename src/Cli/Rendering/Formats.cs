using System.Globalization;
using System.Text;
using System.Text.Json;
using EventShadow.Cli.Api;

namespace EventShadow.Cli.Rendering;

/// <summary>
/// Plain-text forms of allocations, measurements and money, shared by every view so that one value
/// reads the same in progress lines, tables and detail views.
/// </summary>
public static class Formats
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Formats an allocation as Kubernetes-style millicores and MiB, for example <c>250m/256 MiB</c>.</summary>
    public static string Allocation(Allocation? allocation) =>
        allocation is null
            ? "-"
            : string.Create(Invariant, $"{allocation.CpuMillicores}m/{allocation.MemoryMiB} MiB");

    public static string MemoryMiB(double mebibytes) => string.Create(Invariant, $"{mebibytes:0.#} MiB");

    public static string Seconds(double seconds) => string.Create(Invariant, $"{seconds:0.0#} s");

    /// <summary>Formats money with two decimals, or up to six for amounts that two would round to zero.</summary>
    public static string Cost(Cost? cost)
    {
        if (cost is null)
        {
            return "-";
        }

        var amount = cost.Amount != 0 && Math.Abs(cost.Amount) < 0.01m
            ? cost.Amount.ToString("0.00####", Invariant)
            : cost.Amount.ToString("0.00", Invariant);
        return string.IsNullOrEmpty(cost.Currency) ? amount : $"{amount} {cost.Currency}";
    }

    /// <summary>
    /// Formats what a negotiation cost: <c>not priced yet</c> until the CostLedger has priced all of it,
    /// and <c>none</c> when it ended before any shadow ran, so that neither reads as a real zero.
    /// </summary>
    public static string NegotiationCost(NegotiationView? view)
    {
        if (view is null)
        {
            return "-";
        }

        if (!view.Settled)
        {
            return "not priced yet";
        }

        return view.Cost is null || (view.Cost.Amount == 0 && string.IsNullOrEmpty(view.Cost.Currency)) ? "none" : Cost(view.Cost);
    }

    public static string Timestamp(DateTimeOffset? timestamp) =>
        timestamp?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant) ?? "-";

    /// <summary>Shortens a Docker container id to the 12 characters <c>docker ps</c> shows.</summary>
    public static string ShadowId(string? shadowId)
    {
        if (shadowId is null)
        {
            return "-";
        }

        return shadowId.Length > 12 ? shadowId[..12] : shadowId;
    }

    /// <summary>The task of a negotiation, or its id when the server did not name the task.</summary>
    public static string TaskLabel(string? task, string id) => string.IsNullOrWhiteSpace(task) ? id : Safe(task);

    /// <summary>
    /// Returns <paramref name="text"/> with control and invisible format characters written as
    /// <c>\uXXXX</c>, so that text from the server cannot move the cursor, recolour or forge lines.
    /// </summary>
    public static string Safe(string text)
    {
        if (!text.Any(IsUnprintable))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var character in text)
        {
            if (IsUnprintable(character))
            {
                builder.Append(Invariant, $"\\u{(int)character:X4}");
            }
            else
            {
                builder.Append(character);
            }
        }

        return builder.ToString();
    }

    private static bool IsUnprintable(char character) =>
        char.IsControl(character) || char.GetUnicodeCategory(character) == UnicodeCategory.Format;

    /// <summary>Returns <paramref name="text"/> cut to <paramref name="maxLength"/> characters, ending in "…" when cut.</summary>
    public static string Shorten(string text, int maxLength) =>
        text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength - 1).TrimEnd(), "…");

    /// <summary>
    /// Summarizes a validation in one line: the verdict, then peak memory against the limit, time to
    /// ready and CPU throttling where measured (throttling only when it happened). The Validator's
    /// reasons are left out because they repeat these measurements in prose.
    /// </summary>
    public static string Validation(AttemptValidation validation, Allocation? allocation)
    {
        var parts = new List<string> { Verdict(validation) };

        if (validation.PeakMemoryMiB is { } peak)
        {
            parts.Add(allocation is null
                ? $"peak {MemoryMiB(peak)}"
                : string.Create(Invariant, $"peak {MemoryMiB(peak)} of {allocation.MemoryMiB} MiB"));
        }

        if (validation.TimeToReadySeconds is { } ready)
        {
            parts.Add($"ready in {Seconds(ready)}");
        }

        if (validation.ThrottledPeriods > 0 && ThrottledShare(validation) is { } throttled)
        {
            parts.Add($"CPU throttled in {throttled}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>
    /// Formats the share of CFS scheduler periods in which the shadow was throttled, for example
    /// <c>2.5% of 120 periods</c>, or returns <c>null</c> when it was not measured.
    /// </summary>
    public static string? ThrottledShare(AttemptValidation validation)
    {
        if (validation.ThrottledPeriods is not { } throttled || validation.TotalPeriods is not { } total || total <= 0)
        {
            return null;
        }

        var percent = 100.0 * throttled / total;
        return string.Create(Invariant, $"{percent:0.#}% of {total} periods");
    }

    private static string Verdict(AttemptValidation validation)
    {
        if (validation.Passed)
        {
            return "passed";
        }

        if (validation.OomKilled == true)
        {
            return validation.OomKillCount is > 1
                ? string.Create(Invariant, $"OOM-killed ({validation.OomKillCount} times)")
                : "OOM-killed";
        }

        var verdict = string.IsNullOrWhiteSpace(validation.Failure) ? "failed" : $"failed ({validation.Failure})";
        return validation.ExitCode is { } exitCode
            ? string.Create(Invariant, $"{verdict}, exit code {exitCode}")
            : verdict;
    }

    /// <summary>
    /// Lists what a problem+json body reports: the detail (or the title when there is none), then one
    /// line per invalid field in the form <c>field: message; message</c>, unless that only repeats the detail.
    /// </summary>
    public static IReadOnlyList<string> Problem(Problem problem)
    {
        var status = problem.Status is { } code ? string.Create(Invariant, $"HTTP {code}") : "error";
        var lines = new List<string> { problem.Detail ?? problem.Title ?? status };

        if (problem.Errors is { ValueKind: JsonValueKind.Object } errors)
        {
            foreach (var field in errors.EnumerateObject())
            {
                var messages = ErrorMessages(field.Value);
                if (messages != lines[0])
                {
                    lines.Add($"{field.Name}: {messages}");
                }
            }
        }

        return lines;
    }

    /// <summary>Joins the lines of <see cref="Problem(Api.Problem)"/> into one, for a table cell.</summary>
    public static string ProblemLine(Problem problem) =>
        string.Join("; ", Problem(problem).Select(line => line.TrimEnd('.')));

    private static string ErrorMessages(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.Array => string.Join("; ", value.EnumerateArray().Select(ErrorMessages)),
            JsonValueKind.String => value.GetString() ?? "",
            _ => value.GetRawText(),
        };
}
