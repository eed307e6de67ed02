using EventShadow.Hosting;
using EventShadow.PoolManager;
using EventShadow.Validator;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Hosting;

public sealed class DockerHostEndpointsTests
{
    [Theory]
    [InlineData("host-a")]
    [InlineData("Host_2.example")]
    [InlineData("7")]
    public void Host_name_is_accepted(string host)
    {
        Assert.True(DockerHostEndpoints.IsValidHostName(host));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-host")]
    [InlineData(".host")]
    [InlineData("host a")]
    [InlineData("host/a")]
    [InlineData("hôte")]
    public void Host_name_is_rejected(string? host)
    {
        Assert.False(DockerHostEndpoints.IsValidHostName(host));
    }

    [Fact]
    public void Host_name_over_the_maximum_is_rejected()
    {
        Assert.True(DockerHostEndpoints.IsValidHostName(new string('a', DockerHostEndpoints.MaxHostNameLength)));
        Assert.False(DockerHostEndpoints.IsValidHostName(new string('a', DockerHostEndpoints.MaxHostNameLength + 1)));
    }

    /// <summary>Returns the endpoint name MassTransit takes from the definition, with the services' kebab-case formatter.</summary>
    private static string EndpointOf(IConsumerDefinition definition) =>
        definition.GetEndpointName(KebabCaseEndpointNameFormatter.Instance);

    [Fact]
    public void One_host_keeps_the_shared_endpoint_names()
    {
        Assert.Equal("validate-shadow", EndpointOf(new ValidateShadowConsumerDefinition(Options.Create(new ValidationOptions()))));
        Assert.Equal("on-demand-validation", EndpointOf(new OnDemandValidationConsumerDefinition(Options.Create(new ValidationOptions()))));
        Assert.Equal("release-shadow", EndpointOf(new ReleaseShadowConsumerDefinition(Options.Create(new ShadowOptions { InstanceName = "host-a" }))));
    }

    [Fact]
    public void Several_hosts_get_an_endpoint_per_host()
    {
        var validator = new ValidationOptions { ShadowOwner = "host-a" };
        var poolManager = new ShadowOptions { InstanceName = "host-b", SeveralDockerHosts = true };

        Assert.Equal("validate-shadow-host-a", EndpointOf(new ValidateShadowConsumerDefinition(Options.Create(validator))));
        Assert.Equal("on-demand-validation-host-a", EndpointOf(new OnDemandValidationConsumerDefinition(Options.Create(validator))));
        Assert.Equal("release-shadow-host-b", EndpointOf(new ReleaseShadowConsumerDefinition(Options.Create(poolManager))));
    }
}
