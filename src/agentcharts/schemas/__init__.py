"""agentcharts."""
