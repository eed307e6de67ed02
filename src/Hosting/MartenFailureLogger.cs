using JasperFx;
using Marten;
using Marten.Exceptions;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventShadow.Hosting;

/// <summary>
/// Logs Marten's database failures, at Debug for the conflicts that the services expect and retry
/// (a duplicate key from a redelivered message, an optimistic-concurrency clash) and at Error for
/// everything else, so that an operator's error log shows only what needs attention.
/// </summary>
public sealed class MartenFailureLogger(ILoggerFactory loggerFactory) : IMartenLogger, IMartenSessionLogger
{
    private readonly ILogger logger = loggerFactory.CreateLogger("Marten");

    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Applied a schema change to the event store: {Sql}", sql);

    public void LogSuccess(NpgsqlCommand command)
    {
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
    }

    public void LogFailure(NpgsqlCommand command, Exception ex) => LogFailure(ex, "A database command failed");

    public void LogFailure(NpgsqlBatch batch, Exception ex) => LogFailure(ex, "A database batch failed");

    public void LogFailure(Exception ex, string message)
    {
        if (IsExpectedConflict(ex))
        {
            logger.LogDebug("{Message}, a conflict the caller retries or ignores: {Error}", message, ex.Message);
        }
        else
        {
            logger.LogError(ex, "{Message}: {Error}", message, ex.Message);
        }
    }

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    /// <summary>SQLSTATE of the stream version check in Marten's <c>mt_quick_append_events</c> (Marten 9).</summary>
    private const string StreamVersionMismatch = "MT003";

    /// <summary>
    /// Returns whether <paramref name="ex"/> is a conflict between concurrent writers: a unique
    /// violation (PostgreSQL 23505), a deadlock (40P01) or serialization failure (40001), whose
    /// transaction PostgreSQL rolled back so that a retry can succeed, Marten's stream version
    /// mismatch (MT003, raised by its append function before it becomes a concurrency exception),
    /// or one of Marten's concurrency exceptions.
    /// </summary>
    public static bool IsExpectedConflict(Exception ex) => ex switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure } => true,
        PostgresException { SqlState: StreamVersionMismatch } => true,
        ConcurrencyException or DocumentAlreadyExistsException or ExistingStreamIdCollisionException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsExpectedConflict),
        _ => ex.InnerException is { } inner && IsExpectedConflict(inner),
    };
}
