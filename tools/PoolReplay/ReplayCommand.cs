using System.Globalization;
using EventShadow.PoolManager.Sizing;

namespace EventShadow.PoolReplay;

/// <summary>
/// The command line: reads a trace, replays it against the three policies in one run and prints a
/// Markdown table.
/// </summary>
public static class ReplayCommand
{
    public const string Usage = """
        Usage: PoolReplay --invocations FILE [--memory FILE] [--durations FILE] [options]
               PoolReplay --trace FOLDER [options]

        Replays a trace in the Azure Functions 2019 format against the PoolManager's forecast policy,
        a fixed keep-alive and the hybrid histogram policy, and prints cold starts and idle memory.

          --trace FOLDER                 folder with *inv*.csv, *mem*.csv and *run*.csv (or invocations_,
                                         app_memory_ and function_durations_ files)
          --invocations FILE             invocations per function and minute
          --memory FILE                  allocated memory per app (AverageAllocatedMb)
          --durations FILE               execution time per function in ms (Average)
          --default-memory-mib N         memory of functions without a memory row (default 256)
          --keep-alive MINUTES           window of the fixed keep-alive baseline (default 10)
          --cold-start-cost MINUTES      forecast: idle minutes one avoided cold start is worth (default 20)
          --new-demand-keep-alive MIN    forecast: keep-alive while a history is short (default 10)
          --budget-instances N           forecast: most warm instances at once (default 0, no limit)
          --budget-memory-gib N          forecast: most warm memory at once in GiB (default 0, no limit)
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ReplayArguments arguments;
        try
        {
            arguments = ReplayArguments.Parse(args);
        }
        catch (UsageException ex)
        {
            error.WriteLine(ex.Message);
            error.WriteLine(Usage);
            return 2;
        }

        if (arguments.Help)
        {
            output.WriteLine(Usage);
            return 0;
        }

        InvocationTrace trace;
        try
        {
            trace = InvocationTrace.Read(arguments.Invocations, arguments.Memory, arguments.Durations, arguments.DefaultMemoryMiB);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot read the trace: {ex.Message}");
            return 1;
        }

        var results = Replay(trace, arguments);
        output.Write(Describe(trace, arguments, results));
        return 0;
    }

    /// <summary>Replays the trace against the forecast, the fixed keep-alive and the hybrid histogram policy.</summary>
    public static IReadOnlyList<PolicyResult> Replay(InvocationTrace trace, ReplayArguments arguments)
    {
        var forecast = new ForecastSettings(arguments.ColdStartCostMinutes, arguments.NewDemandKeepAliveMinutes);
        return
        [
            PoolSimulation.Run("PoolManager forecast", trace, () => new ForecastPolicy(forecast), arguments.Budget),
            PoolSimulation.Run($"fixed keep-alive {arguments.KeepAliveMinutes} min", trace, () => new FixedKeepAlivePolicy(arguments.KeepAliveMinutes), ReplayBudget.None),
            PoolSimulation.Run("hybrid histogram", trace, () => new HybridHistogramPolicy(new HybridHistogramSettings()), ReplayBudget.None),
        ];
    }

    private static string Describe(InvocationTrace trace, ReplayArguments arguments, IReadOnlyList<PolicyResult> results)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        text.AppendLine(culture, $"Trace: {arguments.Invocations}: {trace.Functions.Count} functions, {trace.Minutes} minutes, {results[0].Invocations:N0} invocations.");
        if (trace.FunctionsWithoutMemory > 0)
        {
            text.AppendLine(culture, $"{trace.FunctionsWithoutMemory} functions have no memory row and count {arguments.DefaultMemoryMiB} MiB.");
        }

        text.AppendLine(culture, $"Forecast: cold start worth {arguments.ColdStartCostMinutes} idle minutes, new-demand keep-alive {arguments.NewDemandKeepAliveMinutes} min, budget {DescribeBudget(arguments.Budget)}.");
        text.AppendLine();
        text.AppendLine("| policy | cold starts | cold-start % | idle memory (GiB-minutes) | p75 of per-function cold-start % |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            text.AppendLine(culture, $"| {result.Policy} | {result.ColdStarts:N0} | {result.ColdStartPercent:F3} | {result.IdleGibMinutes:N0} | {result.FunctionColdStartP75:F1} |");
        }

        return text.ToString();
    }

    private static string DescribeBudget(ReplayBudget budget) =>
        budget == ReplayBudget.None
            ? "none"
            : string.Create(CultureInfo.InvariantCulture, $"{(budget.MaxInstances > 0 ? budget.MaxInstances.ToString(CultureInfo.InvariantCulture) : "any number of")} instances, {(budget.MaxMemoryMiB > 0 ? (budget.MaxMemoryMiB / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " GiB" : "any memory")}");
}

/// <summary>
/// The parsed command line of <see cref="ReplayCommand"/>.
/// </summary>
public sealed record ReplayArguments(
    string Invocations,
    string? Memory,
    string? Durations,
    double DefaultMemoryMiB,
    int KeepAliveMinutes,
    double ColdStartCostMinutes,
    int NewDemandKeepAliveMinutes,
    ReplayBudget Budget,
    bool Help = false)
{
    /// <exception cref="UsageException">An option is unknown, lacks its value or has an invalid one.</exception>
    public static ReplayArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < args.Count; index++)
        {
            var option = args[index];
            if (option is "--help" or "-h")
            {
                return new ReplayArguments("", null, null, 256, 10, 20, 10, ReplayBudget.None, Help: true);
            }

            if (!KnownOptions.Contains(option))
            {
                throw new UsageException($"Unknown option '{option}'.");
            }

            if (index + 1 >= args.Count)
            {
                throw new UsageException($"Option {option} needs a value.");
            }

            values[option] = args[++index];
        }

        string? invocations = values.GetValueOrDefault("--invocations");
        string? memory = values.GetValueOrDefault("--memory");
        string? durations = values.GetValueOrDefault("--durations");
        if (values.TryGetValue("--trace", out var folder))
        {
            invocations ??= FindFile(folder, "inv", "invocations_per_function") ?? throw new UsageException($"No invocation file (*inv*.csv) in {folder}.");
            memory ??= FindFile(folder, "mem", "app_memory");
            durations ??= FindFile(folder, "run", "function_durations");
        }

        if (invocations is null)
        {
            throw new UsageException("Give --invocations FILE or --trace FOLDER.");
        }

        var budgetGib = Number(values, "--budget-memory-gib", 0, minimum: 0);
        return new ReplayArguments(
            invocations,
            memory,
            durations,
            Number(values, "--default-memory-mib", 256, minimum: 1),
            (int)Number(values, "--keep-alive", 10, minimum: 1),
            Number(values, "--cold-start-cost", 20, minimum: 1),
            (int)Number(values, "--new-demand-keep-alive", 10, minimum: 0),
            new ReplayBudget((int)Number(values, "--budget-instances", 0, minimum: 0), (long)Math.Round(budgetGib * 1024)));
    }

    private static readonly HashSet<string> KnownOptions = new(StringComparer.Ordinal)
    {
        "--trace", "--invocations", "--memory", "--durations", "--default-memory-mib", "--keep-alive",
        "--cold-start-cost", "--new-demand-keep-alive", "--budget-instances", "--budget-memory-gib",
    };

    private static double Number(Dictionary<string, string> values, string option, double fallback, double minimum)
    {
        if (!values.TryGetValue(option, out var text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < minimum)
        {
            throw new UsageException($"Option {option} is '{text}'; it must be a number of at least {minimum.ToString(CultureInfo.InvariantCulture)}.");
        }

        return number;
    }

    private static string? FindFile(string folder, string sampleMarker, string originalPrefix)
    {
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"Trace folder {folder} does not exist.");
        }

        var files = Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal).ToArray();
        return files.FirstOrDefault(file => Path.GetFileName(file).StartsWith(originalPrefix, StringComparison.Ordinal))
            ?? files.FirstOrDefault(file => Path.GetFileNameWithoutExtension(file).EndsWith("_" + sampleMarker, StringComparison.Ordinal));
    }
}

/// <summary>
/// The command line is invalid; the message says which option and why.
/// </summary>
public sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
