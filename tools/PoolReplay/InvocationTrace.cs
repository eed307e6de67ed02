using System.Globalization;

namespace EventShadow.PoolReplay;

/// <summary>
/// One function of an invocation trace.
/// </summary>
/// <param name="Invocations">Invocations in each minute of the trace.</param>
/// <param name="MemoryMiB">Memory of one instance: the app's average allocated memory.</param>
/// <param name="AverageDurationMs">Average execution time; 0 when the trace has none for the function.</param>
public sealed record TracedFunction(string Id, IReadOnlyList<int> Invocations, double MemoryMiB, double AverageDurationMs)
{
    /// <summary>
    /// Returns how many instances the function needs at once in <paramref name="minute"/>: its
    /// invocations times their average duration over the 60 seconds of the minute, rounded up, at least
    /// one when it is invoked and at most one per invocation.
    /// </summary>
    public int Concurrency(int minute)
    {
        var invocations = Invocations[minute];
        if (invocations == 0)
        {
            return 0;
        }

        var busy = (int)Math.Ceiling(invocations * AverageDurationMs / 60_000.0);
        return Math.Clamp(busy, 1, invocations);
    }
}

/// <summary>
/// An invocation trace in the format of the Azure Functions 2019 trace (Shahrad et al., USENIX ATC
/// 2020, dataset Azure/AzurePublicDataset): invocations per function and minute, with the apps' memory
/// and the functions' execution times in separate files.
/// </summary>
/// <param name="FunctionsWithoutMemory">Functions whose app has no memory row, charged the default memory.</param>
public sealed record InvocationTrace(IReadOnlyList<TracedFunction> Functions, int Minutes, int FunctionsWithoutMemory)
{
    private const string MinutePrefix = "minute_";

    /// <summary>
    /// Reads the trace. Columns are found by their names: <c>HashOwner</c>, <c>HashApp</c> and
    /// <c>HashFunction</c>, minutes as <c>minute_1</c>... (the invitro sample) or <c>1</c>... (the
    /// original files), <c>AverageAllocatedMb</c> and <c>Average</c>.
    /// </summary>
    /// <param name="invocationsPath">Invocations per function and minute.</param>
    /// <param name="memoryPath">Allocated memory per app; null charges every function <paramref name="defaultMemoryMiB"/>.</param>
    /// <param name="durationsPath">Execution time per function in milliseconds; null assumes one instance per invoked minute.</param>
    /// <exception cref="FormatException">A file lacks a required column or has a malformed row.</exception>
    public static InvocationTrace Read(string invocationsPath, string? memoryPath, string? durationsPath, double defaultMemoryMiB)
    {
        var memory = memoryPath is null
            ? new Dictionary<string, double>(StringComparer.Ordinal)
            : ReadValues(memoryPath, ["HashOwner", "HashApp"], "AverageAllocatedMb");
        var durations = durationsPath is null
            ? new Dictionary<string, double>(StringComparer.Ordinal)
            : ReadValues(durationsPath, ["HashOwner", "HashApp", "HashFunction"], "Average");

        var lines = File.ReadLines(invocationsPath).GetEnumerator();
        if (!lines.MoveNext())
        {
            throw new FormatException($"{invocationsPath} is empty; expected a header line.");
        }

        var header = Columns(lines.Current);
        var owner = Require(header, "HashOwner", invocationsPath);
        var app = Require(header, "HashApp", invocationsPath);
        var function = Require(header, "HashFunction", invocationsPath);
        var minuteColumns = header
            .Select((name, index) => (Minute: MinuteOf(name), Index: index))
            .Where(column => column.Minute is not null)
            .OrderBy(column => column.Minute)
            .Select(column => column.Index)
            .ToArray();
        if (minuteColumns.Length == 0)
        {
            throw new FormatException($"{invocationsPath} has no minute columns; expected minute_1, minute_2, ... or 1, 2, ....");
        }

        var functions = new List<TracedFunction>();
        var withoutMemory = 0;
        var lineNumber = 1;
        while (lines.MoveNext())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(lines.Current))
            {
                continue;
            }

            var fields = Columns(lines.Current);
            if (fields.Length != header.Length)
            {
                throw new FormatException($"{invocationsPath} line {lineNumber} has {fields.Length} fields; the header has {header.Length}.");
            }

            var counts = minuteColumns.Select(index => ParseCount(fields[index], invocationsPath, lineNumber)).ToArray();
            var appKey = Key(fields[owner], fields[app]);
            if (!memory.TryGetValue(appKey, out var memoryMiB))
            {
                memoryMiB = defaultMemoryMiB;
                withoutMemory++;
            }

            var duration = durations.GetValueOrDefault(Key(fields[owner], fields[app], fields[function]));
            functions.Add(new TracedFunction(fields[function], counts, memoryMiB, duration));
        }

        return new InvocationTrace(functions, minuteColumns.Length, withoutMemory);
    }

    private static Dictionary<string, double> ReadValues(string path, string[] keyColumns, string valueColumn)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        using var lines = File.ReadLines(path).GetEnumerator();
        if (!lines.MoveNext())
        {
            throw new FormatException($"{path} is empty; expected a header line.");
        }

        var header = Columns(lines.Current);
        var keys = keyColumns.Select(column => Require(header, column, path)).ToArray();
        var value = Require(header, valueColumn, path);
        var lineNumber = 1;
        while (lines.MoveNext())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(lines.Current))
            {
                continue;
            }

            var fields = Columns(lines.Current);
            if (fields.Length != header.Length ||
                !double.TryParse(fields[value], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw new FormatException($"{path} line {lineNumber} is malformed: expected {header.Length} fields with a number in {valueColumn}.");
            }

            values[Key([.. keys.Select(index => fields[index])])] = number;
        }

        return values;
    }

    private static string[] Columns(string line) => line.Split(',').Select(field => field.Trim()).ToArray();

    private static string Key(params string[] parts) => string.Join('/', parts);

    private static int Require(string[] header, string column, string path)
    {
        var index = Array.IndexOf(header, column);
        return index >= 0 ? index : throw new FormatException($"{path} has no {column} column.");
    }

    private static int? MinuteOf(string column)
    {
        var digits = column.StartsWith(MinutePrefix, StringComparison.Ordinal) ? column[MinutePrefix.Length..] : column;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var minute) && minute > 0 ? minute : null;
    }

    private static int ParseCount(string field, string path, int lineNumber) =>
        int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new FormatException($"{path} line {lineNumber} has '{field}' where an invocation count belongs.");
}
