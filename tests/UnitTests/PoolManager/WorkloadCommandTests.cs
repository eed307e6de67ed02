using EventShadow.Contracts;
using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class WorkloadCommandTests
{
    private static readonly ShadowImageMapping Redis = Mapping(["redis-server"], ["--save", "", "--appendonly", "no"]);

    [Fact]
    public void Compose_defaults_to_mapping_argv()
    {
        var command = WorkloadCommand.Compose(Redis, Container(command: null, args: null));

        Assert.Equal(["redis-server", "--save", "", "--appendonly", "no"], command);
    }

    [Fact]
    public void Compose_with_manifest_args_replaces_default_args()
    {
        var command = WorkloadCommand.Compose(Redis, Container(command: null, args: ["--maxmemory", "64mb"]));

        Assert.Equal(["redis-server", "--maxmemory", "64mb"], command);
    }

    [Fact]
    public void Compose_manifest_command_drops_mapping_argv()
    {
        var command = WorkloadCommand.Compose(Redis, Container(command: ["redis-server", "/etc/redis.conf"], args: null));

        Assert.Equal(["redis-server", "/etc/redis.conf"], command);
    }

    [Fact]
    public void Compose_with_manifest_command_and_args_joins_them()
    {
        var command = WorkloadCommand.Compose(Redis, Container(command: ["sh", "-c"], args: ["exec redis-server"]));

        Assert.Equal(["sh", "-c", "exec redis-server"], command);
    }

    [Fact]
    public void Compose_treats_empty_manifest_lists_as_absent()
    {
        var command = WorkloadCommand.Compose(Redis, Container(command: [], args: []));

        Assert.Equal(["redis-server", "--save", "", "--appendonly", "no"], command);
    }

    [Fact]
    public void Compose_without_entrypoint_runs_manifest_args_alone()
    {
        var command = WorkloadCommand.Compose(Mapping([], []), Container(command: null, args: ["stress-ng", "--cpu", "1"]));

        Assert.Equal(["stress-ng", "--cpu", "1"], command);
    }

    [Fact]
    public void Compose_with_nothing_to_run_is_empty()
    {
        var command = WorkloadCommand.Compose(Mapping([], []), Container(command: null, args: null));

        Assert.Empty(command);
    }

    private static ShadowImageMapping Mapping(string[] entrypoint, string[] defaultArgs)
    {
        var mapping = new ShadowImageMapping();
        mapping.Match.Add("redis");
        foreach (var part in entrypoint)
        {
            mapping.Entrypoint.Add(part);
        }

        foreach (var argument in defaultArgs)
        {
            mapping.Command.Add(argument);
        }

        return mapping;
    }

    private static ContainerSpec Container(string[]? command, string[]? args) =>
        new("cache", "redis:7", command, args, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
}
