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
}
