package main
import (
 _ "github.com/aws/aws-sdk-go-v2/aws"
 _ "github.com/aws/aws-sdk-go-v2/config"
 _ "github.com/aws/aws-sdk-go-v2/credentials"
 _ "github.com/aws/aws-sdk-go-v2/service/s3"
 _ "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
 _ "github.com/sijms/go-ora/v2"
 _ "golang.org/x/oauth2"
 _ "github.com/hashicorp/go-retryablehttp"
 _ "github.com/johannesboyne/gofakes3"
 _ "github.com/johannesboyne/gofakes3/backend/s3mem"
 _ "github.com/xuri/excelize/v2"
 _ "golang.org/x/text/encoding/unicode"
 _ "golang.org/x/sync/errgroup"
)
func main(){}
