using EventShadow.Validator;

namespace EventShadow.UnitTests.Validator;

public sealed class ShadowHostFilterTests
{
    [Theory]
    [InlineData(null, null, true)]
    [InlineData(null, "host-a", true)]
    [InlineData("host-a", "host-a", true)]
    [InlineData("host-a", "host-b", false)]
    [InlineData("host-a", "Host-A", false)]
    public void Owner_decides_which_validator_validates(string? servedOwner, string? shadowOwner, bool validates)
    {
        Assert.Equal(validates, ShadowHostFilter.Decide(servedOwner, shadowOwner));
    }

    [Fact]
    public void Shadow_without_owner_is_left_to_the_docker_engine()
    {
        Assert.Null(ShadowHostFilter.Decide("host-a", shadowOwner: null));
    }
}
