using EventShadow.Cli;
using EventShadow.Cli.Following;

namespace EventShadow.UnitTests.Cli;

public class ExitCodesTests
{
    [Fact]
    public void Submission_without_follow_or_rejection_succeeds() =>
        Assert.Equal(ExitCodes.Success, ExitCodes.ForSubmission(0, []));

    [Fact]
    public void Submission_all_committed_succeeds() =>
        Assert.Equal(ExitCodes.Success, ExitCodes.ForSubmission(0, [FollowOutcome.Committed, FollowOutcome.Committed]));

    [Fact]
    public void Submission_with_rejected_file_fails() =>
        Assert.Equal(ExitCodes.Failure, ExitCodes.ForSubmission(1, [FollowOutcome.Committed]));

    [Theory]
    [InlineData(FollowOutcome.Failed)]
    [InlineData(FollowOutcome.NotFound)]
    public void Submission_with_unsuccessful_negotiation_fails(FollowOutcome outcome) =>
        Assert.Equal(ExitCodes.Failure, ExitCodes.ForSubmission(0, [FollowOutcome.Committed, outcome]));

    [Fact]
    public void Submission_timeout_wins_over_failure() =>
        Assert.Equal(ExitCodes.TimedOut, ExitCodes.ForSubmission(1, [FollowOutcome.Failed, FollowOutcome.TimedOut]));

    [Fact]
    public void Codes_are_distinct_and_documented()
    {
        int[] codes = [ExitCodes.Success, ExitCodes.Failure, ExitCodes.UsageError, ExitCodes.ServerUnreachable, ExitCodes.TimedOut, ExitCodes.AccessDenied, ExitCodes.Interrupted];

        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.Equal(codes, ExitCodes.Descriptions.Select(description => description.Code));
    }
}
