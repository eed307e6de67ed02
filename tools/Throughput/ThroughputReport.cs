using System.Globalization;
using System.Text;

namespace EventShadow.Throughput;

/// <summary>
/// Latency percentiles of committed negotiations, in milliseconds.
/// </summary>
public sealed record LatencySummary(double P50, double P95, double P99, double Max)
{
    /// <summary>Returns nearest-rank percentiles of <paramref name="latencies"/>, or null when it is empty.</summary>
    public static LatencySummary? Of(IEnumerable<double> latencies)
    {
        var sorted = latencies.Order().ToArray();
        return sorted.Length == 0
            ? null
            : new LatencySummary(NearestRank(sorted, 0.50), NearestRank(sorted, 0.95), NearestRank(sorted, 0.99), sorted[^1]);
    }

    public static double NearestRank(double[] sorted, double percentile)
    {
        var rank = (int)Math.Ceiling(percentile * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}

/// <summary>
/// Writes a run's results as markdown: throughput and latency, failures by reason, memory per service.
/// </summary>
public static class ThroughputReport
{
    public static string ToMarkdown(ThroughputOptions options, MeasuredPhase phase, IReadOnlyList<ServiceMemory> memory)
    {
        var text = new StringBuilder();
        text.AppendLine(Results(options, phase));
        text.AppendLine();
        text.AppendLine(Failures(phase.Results));
        text.AppendLine();
        text.AppendLine(Memory(memory));
        return text.ToString();
    }

    public static string Results(ThroughputOptions options, MeasuredPhase phase)
    {
        var results = phase.Results;
        var committed = results.Where(result => result.Committed).ToList();
        var latency = LatencySummary.Of(committed.Select(result => result.LatencyMs!.Value));
        var withoutTrial = committed.Count(result => result.WithoutTrial);
        var offered = results.Count / Math.Max(phase.SubmittedFor.TotalSeconds, 1e-3);
        var throughput = committed.Count / Math.Max(phase.Elapsed.TotalSeconds, 1e-3);

        var text = new StringBuilder();
        text.AppendLine("| run | path | rate asked | submitted | offered/s | committed (no trial) | failed | committed/s | p50 ms | p95 ms | p99 ms | max ms |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        text.Append(CultureInfo.InvariantCulture,
            $"| {options.Label} | {options.Path.ToString().ToLowerInvariant()} | {options.Rate:0.##}/s | {results.Count} | {offered:0.0} | " +
            $"{committed.Count} ({withoutTrial}) | {results.Count - committed.Count} | {throughput:0.0} | ");
        text.Append(latency is null
            ? "- | - | - | - |"
            : string.Create(CultureInfo.InvariantCulture, $"{latency.P50:0} | {latency.P95:0} | {latency.P99:0} | {latency.Max:0} |"));
        text.AppendLine();
        var answered = LatencySummary.Of(committed.Select(result => result.AnsweredMs ?? result.LatencyMs!.Value));
        var inResponse = committed.Count(result => result.AnsweredMs is not null);
        if (answered is not null)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"\nThe latencies above run to the commit's event on the bus. {inResponse} of {committed.Count} commits came in the " +
                $"response to POST /negotiate; counting those at the response, as their submitter saw them: " +
                $"p50 {answered.P50:0} ms, p95 {answered.P95:0} ms, p99 {answered.P99:0} ms, max {answered.Max:0} ms.\n");
        }

        text.Append(CultureInfo.InvariantCulture,
            $"\nSubmitted for {phase.SubmittedFor.TotalSeconds:0.0} s; last outcome after {phase.Elapsed.TotalSeconds:0.0} s; " +
            $"{phase.LateStarts} submissions started more than 100 ms late.");
        return text.ToString();
    }

    public static string Failures(IReadOnlyList<NegotiationResult> results)
    {
        var failures = results
            .Where(result => !result.Committed)
            .GroupBy(result => Reason(result.Failure ?? "unknown"), StringComparer.Ordinal)
            .OrderByDescending(group => group.Count())
            .ToList();
        if (failures.Count == 0)
        {
            return "No failures.";
        }

        var text = new StringBuilder();
        text.AppendLine("| failures | reason |");
        text.AppendLine("|---:|---|");
        foreach (var group in failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {group.Count()} | {group.Key.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        return text.ToString().TrimEnd();
    }

    public static string Memory(IReadOnlyList<ServiceMemory> memory)
    {
        var text = new StringBuilder();
        text.AppendLine("| service | RSS at start MiB | at 25 % | at 50 % | at 75 % | at end | max | samples |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var service in memory)
        {
            if (service.Samples.Count == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {service.Service} | not running | | | | | | 0 |");
                continue;
            }

            var values = service.Samples.Select(sample => sample.Kib / 1024.0).ToArray();
            double At(double share) => values[(int)Math.Round(share * (values.Length - 1))];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {service.Service} | {At(0):0} | {At(0.25):0} | {At(0.5):0} | {At(0.75):0} | {At(1):0} | {values.Max():0} | {values.Length} |");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Cuts a failure reason to its first sentence, so that reasons differing only in numbers group together.</summary>
    internal static string Reason(string failure)
    {
        var end = failure.IndexOf(". ", StringComparison.Ordinal);
        var sentence = end > 0 ? failure[..(end + 1)] : failure;
        return sentence.Length <= 160 ? sentence : sentence[..160] + "…";
    }
}
