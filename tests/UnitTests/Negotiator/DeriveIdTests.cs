using EventShadow.Negotiator.Submission;

namespace EventShadow.UnitTests.Negotiator;

public class DeriveIdTests
{
    private static readonly Guid First = Guid.Parse("4f8f6f2e-6c1d-4e8e-9a51-0b0f3f0c2d11");

    [Fact]
    public void DeriveId_keeps_first_id_for_index_zero()
    {
        Assert.Equal(First, NegotiationSubmitter.DeriveId(First, 0));
    }

    [Fact]
    public void DeriveId_is_stable_and_distinct()
    {
        var second = NegotiationSubmitter.DeriveId(First, 1);
        var third = NegotiationSubmitter.DeriveId(First, 2);

        Assert.Equal(second, NegotiationSubmitter.DeriveId(First, 1));
        Assert.NotEqual(First, second);
        Assert.NotEqual(second, third);
        Assert.Equal(5, second.Version);
    }
}
