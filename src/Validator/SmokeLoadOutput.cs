using System.Globalization;
using System.Text.RegularExpressions;

namespace EventShadow.Validator;

/// <summary>
/// The numbers and errors read from a smoke load's output.
/// </summary>
/// <param name="Summary">What it measured, in a few words, or the end of its output when no parser knows it.</param>
/// <param name="RequestsPerSecond">Reported throughput; null when the output gives none.</param>
/// <param name="Error">An error the output reports, such as failed requests, even when the exit code is 0; null when none.</param>
public sealed record SmokeLoadReading(string Summary, double? RequestsPerSecond, string? Error);

/// <summary>
/// Reads the output of the load tools the built-in suites use: <c>redis-benchmark --csv</c>,
/// <c>pgbench</c> and ApacheBench (<c>ab</c>). Each is recognised by its output, so a configured
/// command that wraps one (<c>sh -c "pgbench ..."</c>) is read too.
/// </summary>
public static partial class SmokeLoadOutput
{
    private const int SummaryLimit = 200;

    public static SmokeLoadReading Read(string output, string errorOutput)
    {
        var reading = ReadRedisBenchmark(output) ?? ReadPgbench(output) ?? ReadApacheBench(output)
            ?? new SmokeLoadReading(Shorten(LastLine(output) ?? LastLine(errorOutput) ?? "no output"), null, null);

        // Tools report failed requests on standard error while still writing results, or instead of them.
        return reading.Error is null && ReportedError(output, errorOutput) is { } error
            ? reading with { Error = error }
            : reading;
    }

    /// <summary>
    /// Returns the line that best explains a failed command: the first line on standard error that
    /// names an error, else the last line on standard error, else the last line of output.
    /// </summary>
    public static string? ErrorLine(string output, string errorOutput)
    {
        var line = Lines(errorOutput).FirstOrDefault(IsErrorLine) ?? LastLine(errorOutput) ?? LastLine(output);
        return line is null ? null : Shorten(line);
    }

    /// <summary>
    /// Reads <c>redis-benchmark --csv</c>: a header line, then <c>"SET","12012.01",...</c> per test.
    /// The throughput is the slowest test's.
    /// </summary>
    private static SmokeLoadReading? ReadRedisBenchmark(string output)
    {
        var lines = Lines(output);
        var header = Array.FindIndex(lines, line => line.StartsWith("\"test\",\"rps\"", StringComparison.Ordinal));
        if (header < 0)
        {
            return null;
        }

        var tests = new List<(string Test, double Rps)>();
        foreach (var line in lines.Skip(header + 1))
        {
            var fields = line.Split(',').Select(field => field.Trim('"')).ToArray();
            if (fields.Length >= 2 && double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rps))
            {
                tests.Add((fields[0], rps));
            }
        }

        if (tests.Count == 0)
        {
            return new SmokeLoadReading("redis-benchmark reported no results", null, null);
        }

        var summary = string.Join(", ", tests.Select(test => string.Create(CultureInfo.InvariantCulture, $"{test.Test} {test.Rps:0} requests/s")));
        return new SmokeLoadReading(Shorten(summary), tests.Min(test => test.Rps), null);
    }

    /// <summary>Reads pgbench's report: processed and failed transactions, and <c>tps = ...</c>.</summary>
    private static SmokeLoadReading? ReadPgbench(string output)
    {
        var tps = PgbenchTps().Match(output);
        if (!tps.Success)
        {
            return null;
        }

        var rate = double.Parse(tps.Groups["tps"].Value, CultureInfo.InvariantCulture);
        var processed = Number(PgbenchProcessed().Match(output));
        var failed = Number(PgbenchFailed().Match(output));

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{processed?.ToString(CultureInfo.InvariantCulture) ?? "?"} transactions, {rate:0} transactions/s, {failed ?? 0} failed");
        var error = failed > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{failed} of {(processed ?? 0) + failed} pgbench transactions failed")
            : null;
        return new SmokeLoadReading(summary, rate, error);
    }

    /// <summary>
    /// Reads ApacheBench's report. ab exits with 0 even when requests failed or got an error status,
    /// so those count as an error here.
    /// </summary>
    private static SmokeLoadReading? ReadApacheBench(string output)
    {
        var rps = AbRequestsPerSecond().Match(output);
        if (!rps.Success)
        {
            return null;
        }

        var rate = double.Parse(rps.Groups["rps"].Value, CultureInfo.InvariantCulture);
        var complete = Number(AbComplete().Match(output)) ?? 0;
        var failed = Number(AbFailed().Match(output)) ?? 0;
        var non2xx = Number(AbNon2xx().Match(output)) ?? 0;

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{complete} requests, {rate:0} requests/s, {failed} failed, {non2xx} not 2xx");
        string? error = null;
        if (failed > 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{failed} of {complete} HTTP requests failed (connection, length or exception errors)");
        }
        else if (non2xx > 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{non2xx} of {complete} HTTP responses had a status other than 2xx");
        }

        return new SmokeLoadReading(summary, rate, error);
    }

    /// <summary>
    /// Returns an error that a tool wrote although it may have exited with 0, such as Redis's
    /// <c>Error from server: OOM command not allowed</c>, or null.
    /// </summary>
    private static string? ReportedError(string output, string errorOutput)
    {
        var line = Lines(errorOutput).Concat(Lines(output)).FirstOrDefault(line =>
            line.StartsWith("Error", StringComparison.Ordinal) ||
            line.StartsWith("pgbench: error:", StringComparison.Ordinal));
        return line is null ? null : Shorten(line);
    }

    private static bool IsErrorLine(string line) =>
        line.Contains("error", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("fatal", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("failed", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("not found", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("refused", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("denied", StringComparison.OrdinalIgnoreCase);

    private static string[] Lines(string text) =>
        text.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? LastLine(string text) => Lines(text).LastOrDefault();

    private static long? Number(Match match) =>
        match.Success ? long.Parse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    private static string Shorten(string text) =>
        text.Length <= SummaryLimit ? text : string.Concat(text.AsSpan(0, SummaryLimit), "…");

    [GeneratedRegex(@"^tps = (?<tps>[0-9]+(\.[0-9]+)?)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PgbenchTps();

    [GeneratedRegex(@"^number of transactions actually processed: (?<n>[0-9]+)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PgbenchProcessed();

    [GeneratedRegex(@"^number of failed transactions: (?<n>[0-9]+)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PgbenchFailed();

    [GeneratedRegex(@"^Requests per second:\s+(?<rps>[0-9]+(\.[0-9]+)?)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AbRequestsPerSecond();

    [GeneratedRegex(@"^Complete requests:\s+(?<n>[0-9]+)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AbComplete();

    [GeneratedRegex(@"^Failed requests:\s+(?<n>[0-9]+)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AbFailed();

    [GeneratedRegex(@"^Non-2xx responses:\s+(?<n>[0-9]+)", RegexOptions.Multiline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AbNon2xx();
}
