using EventShadow.Contracts;
using EventShadow.PoolManager;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.PoolManager;

public sealed class ImageAllowListTests
{
    [Theory]
    [InlineData("eventshadow/workload:1", true)]
    [InlineData("eventshadow/workload@sha256:abc", true)]
    [InlineData("docker.io/library/redis:7", true)]
    [InlineData("redis", true)]
    [InlineData("registry.example.com/eventshadow/workload:1", false)]
    [InlineData("eventshadow/other:1", false)]
    public void Allows_listed_repositories_only(string image, bool allowed)
    {
        var options = new ShadowOptions { WorkloadImage = "eventshadow/workload:1" };
        options.AllowedImages.Add("redis");

        Assert.Equal(allowed, new ImageAllowList(options).Allows(image));
    }

    [Fact]
    public void Catalog_rejects_mapping_image_outside_list()
    {
        var options = new ShadowOptions { WorkloadImage = "eventshadow/workload:1" };
        var mapping = new ShadowImageMapping { Image = "evil/miner:latest" };
        mapping.Match.Add("app");
        mapping.Entrypoint.Add("app-server");
        options.Images.Add(mapping);
        var catalog = new ShadowImageCatalog(Options.Create(options));
        var container = new ContainerSpec("app", "app:1", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);

        var error = Assert.Throws<ShadowUnavailableException>(() => catalog.Resolve(container));

        Assert.Contains("'evil/miner:latest'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Shadows:AllowedImages", error.Message, StringComparison.Ordinal);
        Assert.Contains("Shadows:Images:0:Image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_marks_tasks_with_ports()
    {
        var options = new ShadowOptions { WorkloadImage = "eventshadow/workload:1" };
        var mapping = new ShadowImageMapping();
        mapping.Match.Add("redis");
        mapping.Entrypoint.Add("redis-server");
        options.Images.Add(mapping);
        var catalog = new ShadowImageCatalog(Options.Create(options));
        var container = new ContainerSpec("cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);

        Assert.False(catalog.Resolve(container).NeedsNetwork);
        Assert.True(catalog.Resolve(container with { Ports = [6379] }).NeedsNetwork);
    }
}
