using EventShadow.Negotiator.Api;
using Microsoft.AspNetCore.Http;

namespace EventShadow.UnitTests.Negotiator;

public sealed class InvalidRequestTests
{
    [Fact]
    public void Negotiation_id_problem_has_title_detail_and_error()
    {
        var problem = InvalidRequest.NegotiationId("not-a-guid").ProblemDetails;

        const string message = "'not-a-guid' is not a negotiation id; ids are GUIDs as POST /negotiate returns them.";
        Assert.Equal(StatusCodes.Status400BadRequest, problem.Status);
        Assert.Equal("The request is invalid", problem.Title);
        Assert.Equal(message, problem.Detail);
        Assert.Equal([message], problem.Errors["id"]);
    }
}
