using YamlDotNet.RepresentationModel;

namespace EventShadow.Benchmarks;

/// <summary>
/// One manifest file of the corpus: its name relative to the corpus folder, and its text.
/// </summary>
public sealed record ManifestFile(string Name, string Text);

/// <summary>
/// The real third-party manifests under tests/data/manifests, read once from the repository checkout.
/// </summary>
public static class ManifestCorpus
{
    private static readonly Lazy<IReadOnlyList<ManifestFile>> LazyFiles = new(Load);
    private static readonly Lazy<int> LazyDocumentCount = new(CountDocuments);

    public static IReadOnlyList<ManifestFile> Files => LazyFiles.Value;

    /// <summary>Number of non-empty YAML documents in all files: what one pass over the corpus reads.</summary>
    public static int DocumentCount => LazyDocumentCount.Value;

    private static List<ManifestFile> Load()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "data", "manifests");
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetExtension(file) is ".yaml" or ".yml" or ".json")
            .Order(StringComparer.Ordinal)
            .Select(file => new ManifestFile(Path.GetRelativePath(folder, file), File.ReadAllText(file)))
            .ToList();
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"No manifests found under {folder}.");
        }

        return files;
    }

    private static int CountDocuments()
    {
        var count = 0;
        foreach (var file in Files)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(file.Text));
            count += stream.Documents.Count(document => document.RootNode is not YamlScalarNode { Value: null or "" });
        }

        return count;
    }

    /// <summary>
    /// Finds the checkout above the running assembly. BenchmarkDotNet runs each benchmark from a
    /// build folder below benchmarks/Benchmarks/bin, which is still inside the checkout.
    /// </summary>
    /// <exception cref="InvalidOperationException">The assembly does not run from inside a checkout.</exception>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EventShadow.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No EventShadow.sln above {AppContext.BaseDirectory}. Run the benchmarks from the repository checkout.");
    }
}
