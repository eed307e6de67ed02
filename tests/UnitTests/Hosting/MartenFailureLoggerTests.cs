using EventShadow.Hosting;
using EventStreamUnexpectedMaxEventIdException = JasperFx.Events.EventStreamUnexpectedMaxEventIdException;
using Marten.Exceptions;
using Serilog.Events;
using Serilog.Parsing;

namespace EventShadow.UnitTests.Hosting;

public class MartenFailureLoggerTests
{
    [Fact]
    public void Concurrency_conflicts_are_expected()
    {
        Assert.True(MartenFailureLogger.IsExpectedConflict(new ExistingStreamIdCollisionException(Guid.NewGuid(), typeof(object))));
        Assert.True(MartenFailureLogger.IsExpectedConflict(new AggregateException(new ExistingStreamIdCollisionException(Guid.NewGuid(), typeof(object)))));
    }

    [Fact]
    public void Unexpected_stream_version_is_expected()
    {
        var conflict = new EventStreamUnexpectedMaxEventIdException(Guid.NewGuid(), typeof(object), 8, 9);

        Assert.True(MartenFailureLogger.IsExpectedConflict(conflict));
    }

    [Fact]
    public void Stream_version_mismatch_from_append_is_expected()
    {
        var mismatch = new Npgsql.PostgresException("Stream version mismatch on 'x': expected 9, actual 10", "ERROR", "ERROR", "MT003");

        Assert.True(MartenFailureLogger.IsExpectedConflict(mismatch));
        Assert.False(MartenFailureLogger.IsExpectedConflict(new Npgsql.PostgresException("stream is archived", "ERROR", "ERROR", "MT001")));
    }

    [Fact]
    public void Retry_warning_for_conflict_is_dropped()
    {
        var conflict = new EventStreamUnexpectedMaxEventIdException(Guid.NewGuid(), typeof(object), 8, 9);

        Assert.True(ServiceLogging.IsRetriedConflict(Event("R-RETRY {InputAddress} {MessageId} {MessageType}", conflict)));
        Assert.False(ServiceLogging.IsRetriedConflict(Event("R-RETRY {InputAddress} {MessageId} {MessageType}", new TimeoutException())));
        Assert.False(ServiceLogging.IsRetriedConflict(Event("R-FAULT {InputAddress} {MessageId} {MessageType}", conflict)));
    }

    [Theory]
    [InlineData("40P01")]
    [InlineData("40001")]
    public void Deadlock_and_serialization_failure_are_expected(string sqlState)
    {
        var conflict = new Npgsql.PostgresException("deadlock detected", "ERROR", "ERROR", sqlState);

        Assert.True(MartenFailureLogger.IsExpectedConflict(conflict));
    }

    [Fact]
    public void Other_failures_are_not_expected()
    {
        Assert.False(MartenFailureLogger.IsExpectedConflict(new InvalidOperationException("boom")));
        Assert.False(MartenFailureLogger.IsExpectedConflict(new AggregateException(new TimeoutException())));
    }

    private static LogEvent Event(string template, Exception exception) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Warning, exception, new MessageTemplateParser().Parse(template), []);
}
