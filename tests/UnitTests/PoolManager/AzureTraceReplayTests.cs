using EventShadow.PoolReplay;

namespace EventShadow.UnitTests.PoolManager;

/// <summary>
/// The Azure Functions 2019 sample under tests/data/azure-functions-2019 (see SOURCES.md there).
/// </summary>
public sealed class AzureTraceReplayTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "data", "azure-functions-2019");

    [Fact]
    public void Sample_reads_every_function_and_minute()
    {
        var trace = ReadSample();

        Assert.Equal(100, trace.Functions.Count);
        Assert.Equal(1440, trace.Minutes);
        Assert.Equal(0, trace.FunctionsWithoutMemory);
        Assert.All(trace.Functions, function => Assert.Equal(1440, function.Invocations.Count));
        Assert.All(trace.Functions, function => Assert.True(function.AverageDurationMs > 0, $"{function.Id} has no duration"));
        Assert.Equal(2382, trace.Functions.Single(function => function.Id.StartsWith("1779fd33", StringComparison.Ordinal)).MemoryMiB);
    }

    [Fact]
    public void Forecast_beats_both_baselines_on_sample()
    {
        var arguments = ReplayArguments.Parse(["--trace", Folder]);

        var results = ReplayCommand.Replay(ReadSample(), arguments);

        var (forecast, keepAlive, hybrid) = (results[0], results[1], results[2]);
        Assert.True(forecast.ColdStarts < keepAlive.ColdStarts, $"forecast {forecast.ColdStarts} vs keep-alive {keepAlive.ColdStarts} cold starts");
        Assert.True(forecast.ColdStarts < hybrid.ColdStarts, $"forecast {forecast.ColdStarts} vs hybrid {hybrid.ColdStarts} cold starts");
        Assert.True(forecast.IdleGibMinutes <= hybrid.IdleGibMinutes, $"forecast {forecast.IdleGibMinutes} vs hybrid {hybrid.IdleGibMinutes} GiB-minutes");
    }

    [Fact]
    public void Command_prints_table_of_three_policies()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = ReplayCommand.Run(["--trace", Folder], output, error);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error.ToString());
        var rows = output.ToString().Split('\n').Where(line => line.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Contains(rows, row => row.StartsWith("| PoolManager forecast |", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.StartsWith("| fixed keep-alive 10 min |", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.StartsWith("| hybrid histogram |", StringComparison.Ordinal));
    }

    [Fact]
    public void Original_column_names_are_read()
    {
        var folder = Directory.CreateTempSubdirectory("poolreplay-").FullName;
        try
        {
            var invocations = Path.Combine(folder, "invocations.csv");
            File.WriteAllLines(invocations, ["HashOwner,HashApp,HashFunction,Trigger,1,2,3", "o,a,f,http,1,0,2"]);
            var memory = Path.Combine(folder, "memory.csv");
            File.WriteAllLines(memory, ["HashOwner,HashApp,SampleCount,AverageAllocatedMb", "o,a,10,300"]);

            var trace = InvocationTrace.Read(invocations, memory, null, 256);

            var function = Assert.Single(trace.Functions);
            Assert.Equal([1, 0, 2], function.Invocations);
            Assert.Equal(300, function.MemoryMiB);
            Assert.Equal(3, trace.Minutes);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Malformed_count_names_file_and_line()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["HashOwner,HashApp,HashFunction,minute_1", "o,a,f,x"]);

            var error = Assert.Throws<FormatException>(() => InvocationTrace.Read(file, null, null, 256));

            Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
            Assert.Contains("'x'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Unknown_option_is_usage_error()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = ReplayCommand.Run(["--nope", "1"], output, error);

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown option '--nope'", error.ToString(), StringComparison.Ordinal);
    }

    private static InvocationTrace ReadSample() => InvocationTrace.Read(
        Path.Combine(Folder, "100_inv.csv"), Path.Combine(Folder, "100_mem.csv"), Path.Combine(Folder, "100_run.csv"), 256);
}
