using EventShadow.Hosting;
using Marten.Exceptions;

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
    public void Other_failures_are_not_expected()
    {
        Assert.False(MartenFailureLogger.IsExpectedConflict(new InvalidOperationException("boom")));
        Assert.False(MartenFailureLogger.IsExpectedConflict(new AggregateException(new TimeoutException())));
    }
}
