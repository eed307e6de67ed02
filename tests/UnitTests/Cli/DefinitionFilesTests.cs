using EventShadow.Cli.Submission;

namespace EventShadow.UnitTests.Cli;

public sealed class DefinitionFilesTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("eventshadow-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Folder_search_is_recursive_sorted_and_filtered()
    {
        Write("web/nginx.yml");
        Write("b.json");
        Write("a/redis.yaml");
        Write("notes.md");
        Write("REDIS.YAML");

        var files = DefinitionFiles.Find([root]);

        Assert.Equal(["REDIS.YAML", "a/redis.yaml", "b.json", "web/nginx.yml"], files.Select(file => file.Source));
        Assert.Equal(Path.Combine(root, "a", "redis.yaml"), files[1].Path);
    }

    [Fact]
    public void Folder_search_skips_hidden_entries()
    {
        Write(".git/config.json");
        Write(".hidden.yaml");
        Write("visible.yaml");

        var files = DefinitionFiles.Find([root]);

        Assert.Equal(["visible.yaml"], files.Select(file => file.Source));
    }

    [Fact]
    public void Named_file_is_taken_whatever_its_extension()
    {
        var hints = Write("deep/hints.txt");

        var file = Assert.Single(DefinitionFiles.Find([hints]));

        Assert.Equal("hints.txt", file.Source);
        Assert.Equal("text/plain", file.MediaType);
    }

    [Fact]
    public void File_reached_twice_is_taken_once()
    {
        var redis = Write("redis.yaml");

        var files = DefinitionFiles.Find([redis, root]);

        Assert.Equal(["redis.yaml"], files.Select(file => file.Source));
    }

    [Fact]
    public void Missing_path_is_rejected_with_its_name()
    {
        var missing = Path.Combine(root, "absent");

        var exception = Assert.Throws<DefinitionPathException>(() => DefinitionFiles.Find([missing]));

        Assert.Contains(missing, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.json", "application/json")]
    [InlineData("a.yaml", "application/yaml")]
    [InlineData("a.YML", "application/yaml")]
    [InlineData("a", "text/plain")]
    public void Media_type_follows_extension(string path, string expected) =>
        Assert.Equal(expected, DefinitionFiles.MediaTypeOf(path));

    private string Write(string relativePath)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "kind: Pod\n");
        return path;
    }
}
