using EventShadow.PoolManager;
using Microsoft.Extensions.Configuration;

namespace EventShadow.UnitTests.PoolManager;

public sealed class ShadowOptionsValidatorTests
{
    private readonly ShadowOptionsValidator validator = new();

    [Fact]
    public void Shipped_settings_are_valid()
    {
        var options = ShippedSettings.Load();

        var result = validator.Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(4, options.Images.Count);
        Assert.Equal(512, options.PidsLimit);
        Assert.Equal(["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"], options.Images[1].Capabilities);
    }

    [Fact]
    public void Binding_fills_lists_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Shadows:Images:0:Match:0"] = "app",
                ["Shadows:Images:0:Entrypoint:0"] = "app-server",
                ["Shadows:Images:0:Capabilities:0"] = "CHOWN",
                ["Shadows:Images:0:ReadOnlyRootFilesystem"] = "true",
            })
            .Build();

        var options = ShippedSettings.Bind(configuration);

        Assert.Single(options.Images);
        Assert.Equal(["app"], options.Images[0].Match);
        Assert.Equal(["app-server"], options.Images[0].Entrypoint);
        Assert.Equal(["CHOWN"], options.Images[0].Capabilities);
        Assert.True(options.Images[0].ReadOnlyRootFilesystem);
    }

    [Fact]
    public void Defaults_without_images_are_valid()
    {
        Assert.True(validator.Validate(null, new ShadowOptions()).Succeeded);
    }

    [Fact]
    public void Blank_workload_image_is_reported_by_key()
    {
        var result = validator.Validate(null, new ShadowOptions { WorkloadImage = " " });

        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:WorkloadImage is missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void Max_shadows_out_of_range_is_reported_by_key(int maxShadows)
    {
        var result = validator.Validate(null, new ShadowOptions { MaxShadows = maxShadows });

        Assert.Contains(result.Failures!, failure => failure.StartsWith($"Shadows:MaxShadows is {maxShadows}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(5_000_000)]
    public void Pids_limit_out_of_range_is_reported_by_key(int pidsLimit)
    {
        var result = validator.Validate(null, new ShadowOptions { PidsLimit = pidsLimit });

        Assert.Contains(result.Failures!, failure => failure.StartsWith($"Shadows:PidsLimit is {pidsLimit}", StringComparison.Ordinal));
    }

    [Fact]
    public void Blank_instance_name_and_pool_reported()
    {
        var result = validator.Validate(null, new ShadowOptions { InstanceName = "", Pool = "" });

        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:InstanceName is empty", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:Pool is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void Instance_name_unfit_for_a_queue_is_rejected_with_several_hosts()
    {
        var options = new ShadowOptions { InstanceName = "host a", SeveralDockerHosts = true };

        var result = validator.Validate(null, options);

        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:InstanceName 'host a' is invalid with Shadows:SeveralDockerHosts=true", StringComparison.Ordinal));
    }

    [Fact]
    public void Instance_name_is_free_with_one_host()
    {
        Assert.True(validator.Validate(null, new ShadowOptions { InstanceName = "host a" }).Succeeded);
    }

    [Fact]
    public void Mapping_without_match_is_reported_by_key()
    {
        var options = new ShadowOptions();
        options.Images.Add(new ShadowImageMapping());

        var result = validator.Validate(null, options);

        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:Images:0:Match is empty", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("redis:7")]
    [InlineData("docker.io/library/redis")]
    [InlineData("redis@sha256:00")]
    [InlineData("")]
    public void Match_entry_with_registry_tag_or_digest_is_reported(string entry)
    {
        var options = OneMapping(entry);

        var result = validator.Validate(null, options);

        Assert.Contains(result.Failures!, failure => failure.StartsWith($"Shadows:Images:0:Match entry '{entry}' is invalid", StringComparison.Ordinal));
    }

    [Fact]
    public void Match_entry_listed_twice_names_both_keys()
    {
        var options = OneMapping("redis");
        var second = new ShadowImageMapping();
        second.Match.Add("Redis");
        options.Images.Add(second);

        var result = validator.Validate(null, options);

        Assert.Contains(
            result.Failures!,
            failure => failure.StartsWith("Shadows:Images:1:Match entry 'Redis' is already listed in Shadows:Images:0:Match", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ALL", "must not contain ALL")]
    [InlineData("cap_chown", "entry 'cap_chown' is invalid")]
    [InlineData("NET BIND", "entry 'NET BIND' is invalid")]
    public void Invalid_capability_is_reported_by_key(string capability, string expected)
    {
        var options = OneMapping("nginx");
        options.Images[0].Capabilities.Add(capability);

        var result = validator.Validate(null, options);

        Assert.Contains(
            result.Failures!,
            failure => failure.StartsWith("Shadows:Images:0:Capabilities", StringComparison.Ordinal) && failure.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CHOWN")]
    [InlineData("CAP_NET_BIND_SERVICE")]
    [InlineData("SYS_PTRACE")]
    public void Valid_capability_passes(string capability)
    {
        var options = OneMapping("nginx");
        options.Images[0].Capabilities.Add(capability);

        Assert.True(validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Readiness_user_without_readiness_command_is_reported()
    {
        var options = OneMapping("postgres");
        options.Images[0].ReadinessUser = "postgres";

        var result = validator.Validate(null, options);

        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:Images:0:ReadinessUser is set but Shadows:Images:0:Readiness is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void Blank_image_and_users_are_reported_by_key()
    {
        var options = OneMapping("app");
        options.Images[0].Image = "";
        options.Images[0].User = " ";
        options.Images[0].Readiness.Add("true");
        options.Images[0].ReadinessUser = "";

        var result = validator.Validate(null, options);

        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:Images:0:Image is empty", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:Images:0:User is empty", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.StartsWith("Shadows:Images:0:ReadinessUser is empty", StringComparison.Ordinal));
    }

    private static ShadowOptions OneMapping(string match)
    {
        var options = new ShadowOptions();
        var mapping = new ShadowImageMapping();
        mapping.Match.Add(match);
        options.Images.Add(mapping);
        return options;
    }
}
