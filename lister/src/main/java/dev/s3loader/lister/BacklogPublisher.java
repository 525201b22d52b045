package dev.s3loader.lister;

/** Where the backlog gauges go: CloudWatch on AWS, a log locally. Never fails the run. */
public interface BacklogPublisher {
    void publish(Backlog backlog);
}
