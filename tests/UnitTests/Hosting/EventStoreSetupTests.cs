using System.ComponentModel.DataAnnotations;
using EventShadow.Hosting;
using Npgsql;

namespace EventShadow.UnitTests.Hosting;

public sealed class EventStoreSetupTests
{
    [Fact]
    public void Statement_reuse_added_when_unset()
    {
        var builder = new NpgsqlConnectionStringBuilder(EventStoreSetup.WithStatementReuse("Host=127.0.0.1;Database=eventshadow"));

        Assert.Equal(64, builder.MaxAutoPrepare);
        Assert.True(builder.NoResetOnClose);
        Assert.Equal("127.0.0.1", builder.Host);
        Assert.Equal("eventshadow", builder.Database);
    }

    [Fact]
    public void Statement_reuse_keeps_operator_values()
    {
        var builder = new NpgsqlConnectionStringBuilder(
            EventStoreSetup.WithStatementReuse("Host=127.0.0.1;Max Auto Prepare=0;No Reset On Close=false"));

        Assert.Equal(0, builder.MaxAutoPrepare);
        Assert.False(builder.NoResetOnClose);
    }

    [Fact]
    public void Slow_polling_needs_wake_on_append()
    {
        var polling = new EventStoreOptions { ConnectionString = "Host=127.0.0.1", PollingMilliseconds = 2_001 };
        var woken = new EventStoreOptions { ConnectionString = "Host=127.0.0.1", PollingMilliseconds = 60_000, WakeOnAppend = true };

        var pollingErrors = Validate(polling);

        Assert.Single(pollingErrors);
        Assert.StartsWith("EventStore:PollingMilliseconds is 2001, but without EventStore:WakeOnAppend", pollingErrors[0].ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(Validate(woken));
        Assert.Empty(Validate(new EventStoreOptions { ConnectionString = "Host=127.0.0.1", PollingMilliseconds = 2_000 }));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(60_001)]
    public void Polling_outside_range_is_rejected(int milliseconds)
    {
        var options = new EventStoreOptions { ConnectionString = "Host=127.0.0.1", PollingMilliseconds = milliseconds, WakeOnAppend = true };

        var errors = Validate(options);

        Assert.Contains(errors, error => error.ErrorMessage == "EventStore:PollingMilliseconds must be between 10 and 60000.");
    }

    private static List<ValidationResult> Validate(EventStoreOptions options)
    {
        var results = new List<ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
