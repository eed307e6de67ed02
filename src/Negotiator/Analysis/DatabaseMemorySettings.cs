using System.Globalization;
using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.Negotiator.Analysis;

/// <summary>
/// Finds the memory a database or cache is configured to take in its environment and command line:
/// PostgreSQL <c>shared_buffers</c>, MySQL and MariaDB <c>innodb_buffer_pool_size</c> and Redis
/// <c>maxmemory</c>. Each becomes a hint whose value is the size in MiB.
/// </summary>
/// <remarks>
/// Environment variables are read first and the command line after them, and the last setting read
/// wins, because a server's command-line options override the configuration file those variables
/// end up in. A setting whose value is not a size the server accepts gives no hint.
/// </remarks>
public static class DatabaseMemorySettings
{
    /// <summary>PostgreSQL <c>shared_buffers</c>, in MiB.</summary>
    public const string PostgresSharedBuffers = "postgres-shared-buffers";

    /// <summary>MySQL or MariaDB <c>innodb_buffer_pool_size</c>, in MiB.</summary>
    public const string InnoDbBufferPoolSize = "innodb-buffer-pool-size";

    /// <summary>Redis <c>maxmemory</c>, in MiB.</summary>
    public const string RedisMaxMemory = "redis-maxmemory";

    /// <summary>PostgreSQL counts a unitless <c>shared_buffers</c> in pages of 8 kB (its default block size).</summary>
    private const int PostgresPageBytes = 8192;

    /// <summary>
    /// Variables that images write into <c>postgresql.conf</c>: <c>POSTGRES_SHARED_BUFFERS</c> as in
    /// wodby/postgres, <c>POSTGRESQL_SHARED_BUFFERS</c> as in the sclorg (Red Hat) images. The official
    /// postgres image reads neither.
    /// </summary>
    private static readonly string[] PostgresVariables = ["POSTGRES_SHARED_BUFFERS", "POSTGRESQL_SHARED_BUFFERS"];

    private static readonly string[] MySqlVariables = ["MYSQL_INNODB_BUFFER_POOL_SIZE"];

    public static IReadOnlyList<ResourceHint> Find(PartialTask task)
    {
        var words = CommandLineWords(task.Container);
        var hints = new List<ResourceHint>();

        var sharedBuffers = FromEnvironment(task, PostgresVariables, text => ResourceQuantity.TryParsePostgresSizeMiB(text, PostgresPageBytes));
        sharedBuffers = LastPostgresOption(task, words) ?? sharedBuffers;
        Add(PostgresSharedBuffers, sharedBuffers);

        var bufferPool = FromEnvironment(task, MySqlVariables, ResourceQuantity.TryParseMySqlSizeMiB);
        bufferPool = LastMySqlOption(task, words) ?? bufferPool;
        Add(InnoDbBufferPoolSize, bufferPool);

        // maxmemory 0 means no limit, which sets no floor.
        var maxMemory = LastRedisOption(task, words);
        Add(RedisMaxMemory, maxMemory is { MiB: > 0 } ? maxMemory : null);

        return hints;

        void Add(string name, Setting? setting)
        {
            if (setting?.MiB is { } mebibytes)
            {
                hints.Add(new ResourceHint(name, mebibytes.ToString(CultureInfo.InvariantCulture), setting.Source));
            }
        }
    }

    /// <summary>
    /// Returns the command and args split at whitespace, so that a command line written as one string
    /// (<c>sh -c "postgres -c shared_buffers=1GB"</c>) is searched too.
    /// </summary>
    private static string[] CommandLineWords(ContainerSpec container) =>
        (container.Command ?? []).Concat(container.Args ?? [])
            .SelectMany(word => word.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .ToArray();

    private static Setting? FromEnvironment(PartialTask task, string[] variables, Func<string, int?> parse)
    {
        Setting? found = null;
        foreach (var variable in variables)
        {
            if (task.Container.Environment.TryGetValue(variable, out var value))
            {
                found = new Setting(parse(value), $"environment variable {variable} of {task.Name}: {value}");
            }
        }

        return found;
    }

    /// <summary>
    /// Finds the last <c>shared_buffers</c> given as <c>-c shared_buffers=…</c>, <c>-cshared_buffers=…</c>
    /// or <c>--shared_buffers=…</c>. PostgreSQL reads <c>-</c> in an option name as <c>_</c>.
    /// </summary>
    private static Setting? LastPostgresOption(PartialTask task, string[] words)
    {
        Setting? found = null;
        for (var index = 0; index < words.Length; index++)
        {
            var word = words[index];
            string? assignment = null;
            if (word == "-c" && index + 1 < words.Length)
            {
                assignment = words[index + 1];
            }
            else if (word.StartsWith("--", StringComparison.Ordinal))
            {
                assignment = word[2..];
            }
            else if (word.StartsWith("-c", StringComparison.Ordinal))
            {
                assignment = word[2..];
            }

            if (assignment is not null && SplitAssignment(assignment) is ("shared_buffers", var value))
            {
                var written = word == "-c" ? $"-c {assignment}" : word;
                found = new Setting(ResourceQuantity.TryParsePostgresSizeMiB(value, PostgresPageBytes), $"command line of {task.Name}: {written}");
            }
        }

        return found;
    }

    /// <summary>
    /// Finds the last <c>--innodb-buffer-pool-size=…</c>. MySQL and MariaDB read <c>-</c> and <c>_</c>
    /// in option names alike.
    /// </summary>
    private static Setting? LastMySqlOption(PartialTask task, string[] words)
    {
        Setting? found = null;
        foreach (var word in words)
        {
            if (word.StartsWith("--", StringComparison.Ordinal) && SplitAssignment(word[2..]) is ("innodb_buffer_pool_size", var value))
            {
                found = new Setting(ResourceQuantity.TryParseMySqlSizeMiB(value), $"command line of {task.Name}: {word}");
            }
        }

        return found;
    }

    /// <summary>Finds the last <c>--maxmemory</c> followed by its value, as redis-server takes it.</summary>
    private static Setting? LastRedisOption(PartialTask task, string[] words)
    {
        Setting? found = null;
        for (var index = 0; index + 1 < words.Length; index++)
        {
            if (words[index] == "--maxmemory")
            {
                var value = words[index + 1];
                found = new Setting(ResourceQuantity.TryParseRedisSizeMiB(value), $"command line of {task.Name}: --maxmemory {value}");
            }
        }

        return found;
    }

    /// <summary>Splits <c>name=value</c> into the name with <c>-</c> read as <c>_</c>, and the value.</summary>
    private static (string Name, string Value)? SplitAssignment(string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        return (assignment[..equals].Replace('-', '_'), assignment[(equals + 1)..]);
    }

    /// <param name="MiB">The size, or null when the value is not a size the server accepts.</param>
    private sealed record Setting(int? MiB, string Source);
}
