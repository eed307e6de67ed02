using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace EventShadow.Benchmarks;

/// <summary>
/// Throughput of reading and analysing the real manifests, against plain YamlDotNet deserialization
/// of the same documents into dictionaries (no locations, no validation, no analysis) as the baseline,
/// and against loading them into YamlDotNet's node tree alone. One operation is one pass over every
/// file of <see cref="ManifestCorpus"/>.
/// </summary>
[Config(typeof(Configuration))]
public class ManifestBenchmarks
{
    private readonly IDeserializer deserializer = new DeserializerBuilder().Build();
    private IReadOnlyList<ManifestFile> files = [];

    [GlobalSetup]
    public void LoadCorpus() => files = ManifestCorpus.Files;

    /// <summary>Deserializes every YAML document of every file into a dictionary and returns how many it read.</summary>
    [Benchmark(Baseline = true, Description = "YamlDotNet into dictionaries")]
    public int DeserializeToDictionaries()
    {
        var documents = 0;
        foreach (var file in files)
        {
            var parser = new Parser(new StringReader(file.Text));
            parser.Consume<StreamStart>();
            while (parser.Accept<DocumentStart>(out _))
            {
                if (deserializer.Deserialize<Dictionary<object, object>?>(parser) is not null)
                {
                    documents++;
                }
            }
        }

        return documents;
    }

    /// <summary>
    /// Loads every file into YamlDotNet's node tree, the first step of <see cref="ManifestReader"/>, and
    /// returns how many documents it loaded. The gap to <see cref="ReadAndAnalyze"/> is the cost of
    /// locations, validation and analysis.
    /// </summary>
    [Benchmark(Description = "YamlDotNet YamlStream only")]
    public int LoadYamlStream()
    {
        var documents = 0;
        foreach (var file in files)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(file.Text));
            documents += stream.Documents.Count;
        }

        return documents;
    }

    /// <summary>Reads every file into tasks and analyses each task, and returns how many tasks it read.</summary>
    [Benchmark(Description = "ManifestReader + RequirementAnalyzer")]
    public int ReadAndAnalyze()
    {
        var tasks = 0;
        foreach (var file in files)
        {
            foreach (var task in ManifestReader.Read(file.Text, file.Name))
            {
                tasks += RequirementAnalyzer.Analyze(task).Hints.Count > 0 ? 1 : 0;
            }
        }

        return tasks;
    }

    /// <summary>
    /// A short job (3 warm-up and 10 measured iterations) that keeps the whole run near a minute,
    /// with allocation measurement and per-document columns.
    /// </summary>
    /// <remarks>
    /// The job runs in the host process. BenchmarkDotNet 0.15.8 otherwise builds a separate project
    /// and finds it only by a file named after the assembly (EventShadow.Benchmarks.csproj), which
    /// this repository's naming rule does not give.
    /// </remarks>
    private sealed class Configuration : ManualConfig
    {
        public Configuration()
        {
            AddJob(Job.Default
                .WithWarmupCount(3)
                .WithIterationCount(10)
                .WithLaunchCount(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(new DocumentsPerSecondColumn(), new AllocatedPerDocumentColumn());
        }
    }
}
