"""DynamoDB through PynamoDB: item models, reads, and the one transactional write of a posting."""
