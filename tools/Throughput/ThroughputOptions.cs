using System.Globalization;

namespace EventShadow.Throughput;

/// <summary>
/// Which negotiations a run submits.
/// </summary>
public enum BenchmarkPath
{
    /// <summary>One workload, negotiated until its history is trusted, then again and again.</summary>
    Fast,

    /// <summary>A new workload for every negotiation, so each one runs a shadow trial.</summary>
    Full,
}

/// <summary>
/// Command-line options of a throughput run.
/// </summary>
/// <param name="Rate">Negotiations submitted per second, on a fixed schedule whatever the response times.</param>
/// <param name="Count">Most negotiations submitted in the measured phase.</param>
/// <param name="DurationSeconds">Longest time the measured phase submits for.</param>
/// <param name="TimeoutSeconds">Time each negotiation may take from submission to its outcome before it counts as timed out.</param>
/// <param name="MaxInFlight">Most negotiations open at once; the schedule waits when it is reached.</param>
/// <param name="WarmUp">Most negotiations the fast path runs one at a time before it is measured, until one commits without a trial.</param>
/// <param name="Release">Release each committed allocation, as a finished task would, so that the pool does not fill up.</param>
/// <param name="SampleSeconds">Interval between samples of each service's resident memory.</param>
/// <param name="SteadySeconds">
/// Seconds of load at <paramref name="Rate"/> after the warm-up and before the measured phase, not measured,
/// so that services that just started have compiled their hot code and filled their connection pools.
/// </param>
public sealed record ThroughputOptions(
    Uri Server,
    BenchmarkPath Path,
    double Rate,
    int Count,
    int DurationSeconds,
    int TimeoutSeconds,
    int MaxInFlight,
    int WarmUp,
    bool Release,
    int SampleSeconds,
    string Label,
    string StateDirectory,
    int SteadySeconds = 0)
{
    public const string Usage = """
        usage: Throughput --path fast|full [--rate N] [--count N] [--duration SECONDS] [options] | --help
          --path            fast: one workload, trusted after a warm-up, committed from history;
                            full: a new workload per negotiation, each tried in a shadow (required)
          --rate            negotiations submitted per second (default 10; decimals allowed)
          --count           most negotiations submitted after the warm-up (default 100)
          --duration        most seconds spent submitting after the warm-up (default 600)
          --timeout         seconds a negotiation may take to commit or fail (default 120)
          --max-in-flight   most negotiations open at once (default 2000)
          --warm-up         most negotiations run one at a time before the fast path is measured (default 8)
          --no-release      keep committed allocations instead of releasing each one after its commit
          --steady          seconds of unmeasured load at --rate before the measured phase, so that
                            services that just started reach their steady state (default 0)
          --sample-seconds  seconds between samples of each service's resident memory (default 5)
          --label           name of the run in the results table (default the path)
          --server          Negotiator base URL (default http://127.0.0.1:5080)
          --state-dir       folder with env and run/<service>.pid, as infra/setup.sh writes them
                            (default $EVENTSHADOW_STATE_DIR or /var/lib/eventshadow)
        RabbitMq__Host, RabbitMq__Port, RabbitMq__Username and RabbitMq__Password come from the
        environment or, when unset there, from the env file in the state folder.
        """;

    /// <summary>
    /// Parses <paramref name="args"/>. Returns the options, or null with the reason naming the option
    /// that is missing, unknown or invalid. <c>--help</c> returns neither.
    /// </summary>
    public static (ThroughputOptions? Options, string? Error) Parse(IReadOnlyList<string> args, string? stateDirectory)
    {
        if (args.Contains("--help"))
        {
            return (null, null);
        }

        var options = new ThroughputOptions(
            new Uri("http://127.0.0.1:5080"), BenchmarkPath.Fast, 10, 100, 600, 120, 2000, 8, true, 5, "",
            string.IsNullOrWhiteSpace(stateDirectory) ? "/var/lib/eventshadow" : stateDirectory);
        var pathGiven = false;

        for (var index = 0; index < args.Count; index++)
        {
            var name = args[index];
            if (name == "--no-release")
            {
                options = options with { Release = false };
                continue;
            }

            if (index + 1 >= args.Count)
            {
                return (null, $"{name} needs a value.");
            }

            (options, var error) = Apply(options, name, args[++index]);

            if (error is not null)
            {
                return (null, error);
            }

            pathGiven |= name == "--path";
        }

        if (!pathGiven)
        {
            return (null, "--path is missing; give fast or full.");
        }

        return (options with { Label = options.Label.Length > 0 ? options.Label : options.Path.ToString().ToLowerInvariant() }, null);
    }

    /// <summary>Returns <paramref name="options"/> with one option set, or an error naming it.</summary>
    private static (ThroughputOptions Options, string? Error) Apply(ThroughputOptions options, string name, string value) =>
        name switch
        {
            "--path" when Enum.TryParse<BenchmarkPath>(value, ignoreCase: true, out var path) && !int.TryParse(value, CultureInfo.InvariantCulture, out _)
                => (options with { Path = path }, null),
            "--path" => (options, $"--path must be fast or full, not '{value}'."),
            "--rate" when double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate is > 0 and <= 10_000
                => (options with { Rate = rate }, null),
            "--rate" => (options, $"--rate must be a number of negotiations per second above 0 and at most 10000, not '{value}'."),
            "--count" => Whole(value, "--count", 1, 1_000_000, count => options with { Count = count }, options),
            "--duration" => Whole(value, "--duration", 1, 86_400, seconds => options with { DurationSeconds = seconds }, options),
            "--timeout" => Whole(value, "--timeout", 1, 3_600, seconds => options with { TimeoutSeconds = seconds }, options),
            "--max-in-flight" => Whole(value, "--max-in-flight", 1, 100_000, limit => options with { MaxInFlight = limit }, options),
            "--warm-up" => Whole(value, "--warm-up", 1, 100, count => options with { WarmUp = count }, options),
            "--steady" => Whole(value, "--steady", 0, 3_600, seconds => options with { SteadySeconds = seconds }, options),
            "--sample-seconds" => Whole(value, "--sample-seconds", 1, 3_600, seconds => options with { SampleSeconds = seconds }, options),
            "--label" => (options with { Label = value }, null),
            "--server" when Uri.TryCreate(value, UriKind.Absolute, out var server) && server.IsLoopback
                => (options with { Server = server }, null),
            "--server" => (options, $"--server must be an absolute loopback URL such as http://127.0.0.1:5080, not '{value}'."),
            "--state-dir" => (options with { StateDirectory = value }, null),
            _ => (options, $"{name} is not an option."),
        };

    private static (ThroughputOptions Options, string? Error) Whole(
        string text, string name, int minimum, int maximum, Func<int, ThroughputOptions> apply, ThroughputOptions unchanged) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? (apply(value), null)
            : (unchanged, $"{name} must be a whole number from {minimum} to {maximum}, not '{text}'.");
}
