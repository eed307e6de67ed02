using EventShadow.Validator;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Validator;

public sealed class ValidationOptionsTests
{
    private static ValidationOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)))
            .Build();

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddValidationOptions();
        return services.BuildServiceProvider().GetRequiredService<IOptions<ValidationOptions>>().Value;
    }

    [Fact]
    public void Defaults_are_valid()
    {
        var options = Bind();

        Assert.Equal(30, options.ReadinessTimeoutSeconds);
        Assert.Equal(5, options.WatchSeconds);
        Assert.Equal(250, options.PollMilliseconds);
        Assert.Equal(0, options.MaxConcurrentValidations);
        Assert.Equal(10, options.DockerCallTimeoutSeconds);
        Assert.Equal(0, options.MinWatchSeconds);
    }

    [Fact]
    public void Unset_concurrency_derives_from_processors()
    {
        var options = Bind();

        Assert.Equal(ValidationOptions.ValidationsPerProcessor * Environment.ProcessorCount, options.ConcurrentValidations);
    }

    [Fact]
    public void Set_concurrency_overrides_derived_one()
    {
        var options = Bind(("Validation:MaxConcurrentValidations", "3"));

        Assert.Equal(3, options.ConcurrentValidations);
    }

    [Fact]
    public void Empty_minimum_watch_is_whole_watch()
    {
        var options = Bind(("Validation:WatchSeconds", "7"), ("Validation:MinWatchSeconds", ""));

        Assert.Null(options.MinWatchSeconds);
        Assert.Equal(TimeSpan.FromSeconds(7), options.MinWatch);
    }

    [Fact]
    public void Default_minimum_watch_allows_early_end()
    {
        var options = Bind();

        Assert.Equal(TimeSpan.Zero, options.MinWatch);
    }

    [Fact]
    public void Minimum_watch_above_watch_is_rejected()
    {
        var error = Assert.Throws<OptionsValidationException>(
            () => Bind(("Validation:WatchSeconds", "5"), ("Validation:MinWatchSeconds", "6")));

        Assert.Contains("Validation:MinWatchSeconds must not exceed Validation:WatchSeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_bind_from_validation_section()
    {
        var options = Bind(("Validation:ReadinessTimeoutSeconds", "3"), ("Validation:WatchSeconds", "0"), ("Validation:MaxConcurrentValidations", "2"));

        Assert.Equal(TimeSpan.FromSeconds(3), options.ReadinessTimeout);
        Assert.Equal(TimeSpan.Zero, options.Watch);
        Assert.Equal(2, options.MaxConcurrentValidations);
    }

    [Fact]
    public void ValidationTimeout_bounds_readiness_watch_and_docker_calls()
    {
        var options = Bind(("Validation:ReadinessTimeoutSeconds", "20"), ("Validation:WatchSeconds", "5"), ("Validation:DockerCallTimeoutSeconds", "2"));

        // 20 s readiness + a 5 s watch extended by up to 30 s and one 2 s window + 4 x 2 s calls.
        Assert.Equal(TimeSpan.FromSeconds(65), options.ValidationTimeout);
    }

    [Fact]
    public void ValidationTimeout_without_settling_has_plain_watch()
    {
        var options = Bind(
            ("Validation:ReadinessTimeoutSeconds", "20"), ("Validation:WatchSeconds", "5"),
            ("Validation:DockerCallTimeoutSeconds", "2"), ("Validation:SettleSeconds", "0"));

        Assert.Equal(TimeSpan.FromSeconds(33), options.ValidationTimeout);
    }

    [Theory]
    [InlineData("Validation:ReadinessTimeoutSeconds", "0")]
    [InlineData("Validation:WatchSeconds", "-1")]
    [InlineData("Validation:PollMilliseconds", "5")]
    [InlineData("Validation:MaxConcurrentValidations", "-1")]
    [InlineData("Validation:MinWatchSeconds", "-1")]
    [InlineData("Validation:DockerCallTimeoutSeconds", "301")]
    public void Invalid_setting_is_rejected_by_key(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Poll_longer_than_readiness_timeout_is_rejected()
    {
        var error = Assert.Throws<OptionsValidationException>(
            () => Bind(("Validation:ReadinessTimeoutSeconds", "1"), ("Validation:PollMilliseconds", "1000")));

        Assert.Contains("Validation:PollMilliseconds must be shorter than Validation:ReadinessTimeoutSeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shadow_owner_binds_from_validation_section()
    {
        Assert.Null(Bind().ShadowOwner);
        Assert.Equal("host-a", Bind(("Validation:ShadowOwner", "host-a")).ShadowOwner);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_shadow_owner_means_not_set(string owner)
    {
        var options = Bind(("Validation:ShadowOwner", owner));
        IConsumerDefinition definition = new ValidateShadowConsumerDefinition(Options.Create(options));
        IConsumerDefinition onDemand = new OnDemandValidationConsumerDefinition(Options.Create(options));

        Assert.Null(options.ShadowOwner);
        Assert.Equal("validate-shadow", definition.GetEndpointName(KebabCaseEndpointNameFormatter.Instance));
        Assert.Equal("on-demand-validation", onDemand.GetEndpointName(KebabCaseEndpointNameFormatter.Instance));
    }

    [Theory]
    [InlineData("host a")]
    [InlineData("host/a")]
    public void Invalid_shadow_owner_is_rejected_by_key(string owner)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(("Validation:ShadowOwner", owner)));

        Assert.Contains("Validation:ShadowOwner is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Consumer_definition_limits_concurrent_validations()
    {
        var definition = new ValidateShadowConsumerDefinition(Options.Create(new ValidationOptions { MaxConcurrentValidations = 3 }));
        var onDemand = new OnDemandValidationConsumerDefinition(Options.Create(new ValidationOptions { MaxConcurrentValidations = 3 }));

        Assert.Equal(3, definition.ConcurrentMessageLimit);
        Assert.Equal(3, onDemand.ConcurrentMessageLimit);
    }

    [Fact]
    public void Consumer_definition_uses_derived_concurrency()
    {
        var definition = new ValidateShadowConsumerDefinition(Options.Create(new ValidationOptions()));

        Assert.Equal(ValidationOptions.ValidationsPerProcessor * Environment.ProcessorCount, definition.ConcurrentMessageLimit);
    }
}
