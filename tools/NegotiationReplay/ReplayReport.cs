using System.Globalization;
using System.Text;

namespace EventShadow.NegotiationReplay;

/// <summary>
/// One negotiation of the replay and what the post-commit run of its committed allocation measured.
/// </summary>
/// <param name="CommittedMiB">Committed memory; null when the negotiation failed.</param>
/// <param name="TruePeakMiB">Peak memory of the workload running for the check period under the committed allocation.</param>
/// <param name="PostCommitOomKills">OOM kills during that run: each one is an allocation that does not hold.</param>
public sealed record ReplayOutcome(
    int Round,
    string Workload,
    string Status,
    int Attempts,
    int? CommittedMiB,
    double? TruePeakMiB,
    int PostCommitOomKills,
    string? Note)
{
    /// <summary>Slack: the committed memory the workload did not use, as a share of the committed memory.</summary>
    public double? Slack => CommittedMiB is { } committed && TruePeakMiB is { } peak && committed > 0
        ? (committed - peak) / committed
        : null;
}

/// <summary>
/// Summarises replay outcomes per round and overall, and writes them as Markdown tables.
/// </summary>
public static class ReplayReport
{
    /// <param name="MeanSlack">Average of the negotiations' slack shares: each negotiation counts the same.</param>
    /// <param name="PooledSlack">
    /// Committed memory not used, over all committed memory: each MiB counts the same, so a small
    /// allocation held up by the minimum weighs as little as it costs.
    /// </param>
    public sealed record Summary(
        string Scope, int Negotiations, int Committed, double MeanSlack, double PooledSlack, int PostCommitOomKills, double MeanAttempts);

    public static Summary Summarize(string scope, IReadOnlyCollection<ReplayOutcome> outcomes)
    {
        var measured = outcomes.Where(outcome => outcome.Slack is not null).ToList();
        var committedMiB = measured.Sum(outcome => (double)outcome.CommittedMiB!.Value);
        var peakMiB = measured.Sum(outcome => outcome.TruePeakMiB!.Value);
        return new Summary(
            scope,
            outcomes.Count,
            outcomes.Count(outcome => outcome.Status == "Committed"),
            measured.Count == 0 ? 0 : measured.Average(outcome => outcome.Slack!.Value),
            committedMiB == 0 ? 0 : (committedMiB - peakMiB) / committedMiB,
            outcomes.Sum(outcome => outcome.PostCommitOomKills),
            outcomes.Count == 0 ? 0 : outcomes.Average(outcome => outcome.Attempts));
    }

    public static string ToMarkdown(IReadOnlyList<ReplayOutcome> outcomes)
    {
        var text = new StringBuilder();
        text.AppendLine("| round | workload | outcome | attempts | committed MiB | true peak MiB | slack | post-commit OOM kills |");
        text.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|");
        foreach (var outcome in outcomes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {outcome.Round} | {outcome.Workload} | {outcome.Status} | {outcome.Attempts} | {outcome.CommittedMiB?.ToString(CultureInfo.InvariantCulture) ?? "-"} | " +
                $"{Format(outcome.TruePeakMiB, "0.0")} | {Percent(outcome.Slack)} | {outcome.PostCommitOomKills} |");
        }

        text.AppendLine();
        text.AppendLine("| scope | negotiations | committed | mean slack | pooled slack | post-commit OOM kills | attempts per negotiation |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        var summaries = outcomes.GroupBy(outcome => outcome.Round)
            .Select(round => Summarize($"round {round.Key}", round.ToList()))
            .Append(Summarize("all", outcomes.ToList()));
        foreach (var summary in summaries)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {summary.Scope} | {summary.Negotiations} | {summary.Committed} | {Percent(summary.MeanSlack)} | {Percent(summary.PooledSlack)} | " +
                $"{summary.PostCommitOomKills} | {summary.MeanAttempts:0.00} |");
        }

        return text.ToString();
    }

    private static string Format(double? value, string format) =>
        value is { } number ? number.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Percent(double? share) =>
        share is { } value ? value.ToString("0.0%", CultureInfo.InvariantCulture) : "-";
}
