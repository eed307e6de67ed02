using EventShadow.Contracts;
using EventShadow.PoolManager;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.PoolManager;

public sealed class ShadowImageCatalogTests
{
    private readonly ShadowImageCatalog catalog = new(Options.Create(ShippedSettings.Load()));

    [Theory]
    [InlineData("redis", "Shadows:Images:0")]
    [InlineData("redis:7-alpine", "Shadows:Images:0")]
    [InlineData("docker.io/library/redis:7-alpine", "Shadows:Images:0")]
    [InlineData("bitnami/redis:7.2", "Shadows:Images:0")]
    [InlineData("valkey/valkey:8", "Shadows:Images:0")]
    [InlineData("nginx:1.25-alpine", "Shadows:Images:1")]
    [InlineData("postgres:15", "Shadows:Images:2")]
    [InlineData("colinianking/stress-ng", "Shadows:Images:3")]
    [InlineData("alexeiled/stress-ng:latest", "Shadows:Images:3")]
    public void Find_matches_repository_or_its_last_segment(string manifestImage, string expectedKey)
    {
        var found = catalog.Find(manifestImage);

        Assert.NotNull(found);
        Assert.Equal(expectedKey, found.Value.Key);
    }

    [Theory]
    [InlineData("gcr.io/x/y:1")]
    [InlineData("mysql:8")]
    [InlineData("redis-exporter:1")]
    [InlineData("eventshadow/workload:1")]
    public void Find_returns_null_for_unmapped_image(string manifestImage)
    {
        Assert.Null(catalog.Find(manifestImage));
    }

    [Fact]
    public void Find_takes_first_matching_mapping()
    {
        var options = new ShadowOptions();
        options.Images.Add(Mapping("bitnami/redis", image: "local/bitnami-redis:1"));
        options.Images.Add(Mapping("redis", image: null));

        var found = new ShadowImageCatalog(Options.Create(options)).Find("bitnami/redis:7");

        Assert.NotNull(found);
        Assert.Equal("Shadows:Images:0", found.Value.Key);
    }

    [Fact]
    public void Find_ignores_case_of_match_entries()
    {
        var options = new ShadowOptions();
        options.Images.Add(Mapping("Redis", image: null));

        Assert.NotNull(new ShadowImageCatalog(Options.Create(options)).Find("redis:7"));
    }

    [Fact]
    public void Resolve_unmapped_image_names_setting()
    {
        var error = Assert.Throws<ShadowUnavailableException>(() => catalog.Resolve(Container("gcr.io/x/y:1")));

        Assert.Contains("image 'gcr.io/x/y:1' has no local stand-in", error.Message, StringComparison.Ordinal);
        Assert.Contains("Shadows:Images", error.Message, StringComparison.Ordinal);
        Assert.Contains("'x/y'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_without_program_names_entrypoint_key()
    {
        var options = new ShadowOptions();
        options.Images.Add(Mapping("app", image: null));

        var error = Assert.Throws<ShadowUnavailableException>(() => new ShadowImageCatalog(Options.Create(options)).Resolve(Container("app:1")));

        Assert.Contains("Shadows:Images:0:Entrypoint is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_redis_uses_workload_image_and_mapping()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["REDIS_ARGS"] = "x" };

        var workload = catalog.Resolve(Container("redis:7-alpine") with { Environment = environment });

        Assert.Equal("eventshadow/workload:1", workload.Image);
        Assert.Equal("redis:7-alpine", workload.ManifestImage);
        Assert.Equal(["redis-server", "--save", "", "--appendonly", "no"], workload.Command);
        Assert.Equal("redis", workload.User);
        Assert.True(workload.ReadOnlyRootFilesystem);
        Assert.Empty(workload.Capabilities);
        Assert.Equal("x", workload.Environment["REDIS_ARGS"]);
        Assert.NotNull(workload.Readiness);
        Assert.Equal(["redis-cli", "ping"], workload.Readiness.Command);
        Assert.Null(workload.Readiness.User);
    }

    [Fact]
    public void Resolve_postgres_runs_workload_and_readiness_as_postgres()
    {
        var workload = catalog.Resolve(Container("postgres:15"));

        Assert.Equal("postgres", workload.User);
        Assert.Equal("postgres", workload.Command[0]);
        Assert.NotNull(workload.Readiness);
        Assert.Equal("postgres", workload.Readiness.User);
        Assert.False(workload.ReadOnlyRootFilesystem);
    }

    [Fact]
    public void Resolve_stress_ng_has_no_readiness()
    {
        var workload = catalog.Resolve(Container("colinianking/stress-ng") with { Args = ["--cpu", "1"] });

        Assert.Null(workload.Readiness);
        Assert.Equal(["stress-ng", "--cpu", "1"], workload.Command);
    }

    [Fact]
    public void Resolve_mapping_image_overrides_workload_image()
    {
        var options = new ShadowOptions();
        options.Images.Add(Mapping("app", image: "local/app:2"));
        options.Images[0].Entrypoint.Add("app");
        options.AllowedImages.Add("local/app");

        var workload = new ShadowImageCatalog(Options.Create(options)).Resolve(Container("app:1"));

        Assert.Equal("local/app:2", workload.Image);
    }

    private static ShadowImageMapping Mapping(string match, string? image)
    {
        var mapping = new ShadowImageMapping { Image = image };
        mapping.Match.Add(match);
        return mapping;
    }

    private static ContainerSpec Container(string image) =>
        new("main", image, null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
}
