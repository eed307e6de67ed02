using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Analysis;

public sealed class DatabaseMemorySettingsTests
{
    [Theory]
    [InlineData("POSTGRES_SHARED_BUFFERS", "1GB", 1024)]
    [InlineData("POSTGRESQL_SHARED_BUFFERS", "256MB", 256)]
    [InlineData("POSTGRES_SHARED_BUFFERS", "16384", 128)]
    [InlineData("POSTGRES_SHARED_BUFFERS", "1536kB", 2)]
    public void PostgresVariable_GivesSharedBuffers(string variable, string value, int expectedMiB)
    {
        var task = Task("postgres:15", environment: new() { [variable] = value });

        var hint = Assert.Single(DatabaseMemorySettings.Find(task));

        Assert.Equal(new ResourceHint("postgres-shared-buffers", $"{expectedMiB}", $"environment variable {variable} of Pod/db/db: {value}"), hint);
    }

    [Theory]
    [InlineData(new[] { "postgres", "-c", "shared_buffers=512MB" }, "-c shared_buffers=512MB", 512)]
    [InlineData(new[] { "postgres", "-cshared_buffers=2GB" }, "-cshared_buffers=2GB", 2048)]
    [InlineData(new[] { "postgres", "--shared-buffers=64MB" }, "--shared-buffers=64MB", 64)]
    [InlineData(new[] { "sh", "-c", "exec postgres -c shared_buffers=300MB -c work_mem=4MB" }, "-c shared_buffers=300MB", 300)]
    public void PostgresOption_GivesSharedBuffers(string[] args, string expectedOption, int expectedMiB)
    {
        var task = Task("postgres:15", args: args);

        var hint = Assert.Single(DatabaseMemorySettings.Find(task));

        Assert.Equal("postgres-shared-buffers", hint.Name);
        Assert.Equal($"{expectedMiB}", hint.Value);
        Assert.Equal($"command line of Pod/db/db: {expectedOption}", hint.Source);
    }

    [Fact]
    public void PostgresOption_OverridesVariable()
    {
        var task = Task("postgres:15", environment: new() { ["POSTGRES_SHARED_BUFFERS"] = "1GB" }, args: ["-c", "shared_buffers=128MB"]);

        Assert.Equal("128", Assert.Single(DatabaseMemorySettings.Find(task)).Value);
    }

    [Theory]
    [InlineData("--innodb-buffer-pool-size=512M", 512)]
    [InlineData("--innodb_buffer_pool_size=2g", 2048)]
    [InlineData("--innodb-buffer_pool-size=134217728", 128)]
    public void MySqlOption_GivesBufferPool(string option, int expectedMiB)
    {
        var task = Task("mysql:8.4", args: ["--character-set-server=utf8mb4", option]);

        var hint = Assert.Single(DatabaseMemorySettings.Find(task));

        Assert.Equal(new ResourceHint("innodb-buffer-pool-size", $"{expectedMiB}", $"command line of Pod/db/db: {option}"), hint);
    }

    [Fact]
    public void MySqlVariable_GivesBufferPool()
    {
        var task = Task("mariadb:11", environment: new() { ["MYSQL_INNODB_BUFFER_POOL_SIZE"] = "1G" });

        var hint = Assert.Single(DatabaseMemorySettings.Find(task));

        Assert.Equal(new ResourceHint("innodb-buffer-pool-size", "1024", "environment variable MYSQL_INNODB_BUFFER_POOL_SIZE of Pod/db/db: 1G"), hint);
    }

    [Theory]
    [InlineData(new[] { "redis-server", "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru" }, "256mb", 256)]
    [InlineData(new[] { "--maxmemory", "1gb" }, "1gb", 1024)]
    [InlineData(new[] { "--maxmemory", "100m" }, "100m", 96)]
    [InlineData(new[] { "redis-server --maxmemory 2GB" }, "2GB", 2048)]
    public void RedisOption_GivesMaxMemory(string[] args, string expectedValue, int expectedMiB)
    {
        var task = Task("redis:7", args: args);

        var hint = Assert.Single(DatabaseMemorySettings.Find(task));

        Assert.Equal(new ResourceHint("redis-maxmemory", $"{expectedMiB}", $"command line of Pod/db/db: --maxmemory {expectedValue}"), hint);
    }

    [Theory]
    [InlineData("--maxmemory 0")]
    [InlineData("--maxmemory lots")]
    [InlineData("--maxmemory")]
    [InlineData("-c shared_buffers=1G")]
    [InlineData("-c shared_buffers=1.5GB")]
    [InlineData("--innodb-buffer-pool-size=1.5G")]
    [InlineData("--innodb-buffer-pool-size-max=1G")]
    [InlineData("-c work_mem=64MB")]
    public void UnreadableOrOtherSetting_GivesNoHint(string commandLine)
    {
        Assert.Empty(DatabaseMemorySettings.Find(Task("db:1", args: commandLine.Split(' '))));
    }

    [Fact]
    public void Analysis_RecordsSettingAfterProfile()
    {
        var task = Task("postgres:15", args: ["-c", "shared_buffers=1GB"]);

        var analysis = RequirementAnalyzer.Analyze(task);

        Assert.Equal(["image", "profile", "postgres-shared-buffers"], analysis.Hints.Select(hint => hint.Name));
    }

    [Fact]
    public void ComposeRedisCommand_GivesMaxMemory()
    {
        const string text = "services:\n  cache:\n    image: redis:7\n    command: redis-server --maxmemory 512mb --maxmemory-policy allkeys-lru\n";

        var analysis = RequirementAnalyzer.Analyze(Assert.Single(ManifestReader.Read(text, "compose.yaml")));

        Assert.Equal(new ResourceHint("redis-maxmemory", "512", "command line of compose/cache: --maxmemory 512mb"), analysis.Hints.Single(hint => hint.Name == "redis-maxmemory"));
    }

    [Theory]
    [InlineData("128MB", 128)]
    [InlineData("1GB", 1024)]
    [InlineData("1TB", 1048576)]
    [InlineData("1048577B", 2)]
    [InlineData("128", 1)]
    [InlineData("131072", 1024)]
    public void PostgresSize_IsParsed(string text, int expectedMiB)
    {
        Assert.Equal(expectedMiB, ResourceQuantity.TryParsePostgresSizeMiB(text, 8192));
    }

    [Theory]
    [InlineData("1gb")]
    [InlineData("1G")]
    [InlineData("-1MB")]
    [InlineData("MB")]
    [InlineData("")]
    [InlineData("17TB")]
    public void PostgresSize_RejectsOtherText(string text)
    {
        Assert.Null(ResourceQuantity.TryParsePostgresSizeMiB(text, 8192));
    }

    [Theory]
    [InlineData("134217728", 128)]
    [InlineData("128M", 128)]
    [InlineData("128m", 128)]
    [InlineData("1K", 1)]
    [InlineData("3g", 3072)]
    public void MySqlSize_IsParsed(string text, int expectedMiB)
    {
        Assert.Equal(expectedMiB, ResourceQuantity.TryParseMySqlSizeMiB(text));
    }

    [Theory]
    [InlineData("100mb", 100)]
    [InlineData("100MB", 100)]
    [InlineData("100m", 96)]
    [InlineData("1g", 954)]
    [InlineData("1048576", 1)]
    [InlineData("1k", 1)]
    public void RedisSize_IsParsed(string text, int expectedMiB)
    {
        Assert.Equal(expectedMiB, ResourceQuantity.TryParseRedisSizeMiB(text));
    }

    [Theory]
    [InlineData("1mib")]
    [InlineData("1.5gb")]
    [InlineData("gb")]
    public void RedisSize_RejectsOtherText(string text)
    {
        Assert.Null(ResourceQuantity.TryParseRedisSizeMiB(text));
    }

    private static PartialTask Task(string image, Dictionary<string, string>? environment = null, IReadOnlyList<string>? args = null)
    {
        var container = new ContainerSpec("db", image, null, args, environment ?? [], ResourceBounds.None, ResourceBounds.None);
        return new PartialTask("Pod/db/db", "kubernetes", container, [new ResourceHint("image", image, "db.yaml: document 1, image (line 1)")]);
    }
}
