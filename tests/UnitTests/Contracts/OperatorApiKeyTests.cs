using EventShadow.Contracts;

namespace EventShadow.UnitTests.Contracts;

public sealed class OperatorApiKeyTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("operator-api-key-").FullName;

    private string EnvFile => Path.Combine(folder, "env");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static Func<string, string?> Environment(string? apiKey = null, string? stateDirectory = null) =>
        name => name switch
        {
            OperatorApiKey.Variable => apiKey,
            OperatorApiKey.StateDirectoryVariable => stateDirectory,
            _ => null,
        };

    [Fact]
    public void Environment_value_wins_over_file()
    {
        File.WriteAllLines(EnvFile, ["EVENTSHADOW_API_KEY='from-file'"]);

        Assert.Equal("from-variable", OperatorApiKey.Read(Environment(" from-variable "), EnvFile));
    }

    [Fact]
    public void Environment_value_leaves_file_unread()
    {
        var read = false;

        var key = OperatorApiKey.Read(Environment("from-variable"), EnvFile, _ =>
        {
            read = true;
            return ["EVENTSHADOW_API_KEY='from-file'"];
        });

        Assert.Equal("from-variable", key);
        Assert.False(read);
    }

    [Theory]
    [InlineData("EVENTSHADOW_API_KEY='from-file'")]
    [InlineData("EVENTSHADOW_API_KEY=\"from-file\"")]
    [InlineData("EVENTSHADOW_API_KEY=from-file")]
    public void File_value_loses_its_quotes(string line)
    {
        File.WriteAllLines(EnvFile, ["POSTGRES_PASSWORD='x'", "EVENTSHADOW_READ_API_KEY='read-only'", line]);

        Assert.Equal("from-file", OperatorApiKey.Read(Environment(), EnvFile));
    }

    [Fact]
    public void Blank_variable_falls_back_to_file()
    {
        File.WriteAllLines(EnvFile, ["EVENTSHADOW_API_KEY='from-file'"]);

        Assert.Equal("from-file", OperatorApiKey.Read(Environment("  "), EnvFile));
    }

    [Fact]
    public void Last_line_of_file_wins()
    {
        File.WriteAllLines(EnvFile, ["EVENTSHADOW_API_KEY='old'", "EVENTSHADOW_API_KEY='new'"]);

        Assert.Equal("new", OperatorApiKey.Read(Environment(), EnvFile));
    }

    [Fact]
    public void Missing_file_gives_null()
    {
        Assert.Null(OperatorApiKey.Read(Environment(), EnvFile));
    }

    [Theory]
    [InlineData("POSTGRES_PASSWORD='x'")]
    [InlineData("EVENTSHADOW_API_KEY=''")]
    public void File_without_value_gives_null(string line)
    {
        File.WriteAllLines(EnvFile, [line]);

        Assert.Null(OperatorApiKey.Read(Environment(), EnvFile));
    }

    [Fact]
    public void Env_file_path_follows_state_dir()
    {
        Assert.Equal("/srv/eventshadow/env", OperatorApiKey.EnvFilePath(Environment(stateDirectory: "/srv/eventshadow")));
        Assert.Equal(Path.Combine(OperatorApiKey.DefaultStateDirectory, "env"), OperatorApiKey.EnvFilePath(Environment()));
    }

    [Fact]
    public void Missing_message_names_variable_and_file()
    {
        var message = OperatorApiKey.MissingMessage(EnvFile);

        Assert.Contains("EVENTSHADOW_API_KEY", message, StringComparison.Ordinal);
        Assert.Contains(EnvFile, message, StringComparison.Ordinal);
    }
}
