using Npgsql;

namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL schema of its own for one test class on the real server, dropped afterwards.
/// </summary>
public sealed class EventStoreSchema : IAsyncDisposable
{
    private EventStoreSchema(string name) => Name = name;

    public string Name { get; }

    public static string ConnectionString => TestSettings.EventStoreConnectionString;

    public static EventStoreSchema CreateUnique() => new($"test_{Guid.NewGuid():N}"[..21]);

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
