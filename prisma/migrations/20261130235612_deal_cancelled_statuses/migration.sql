-- A cancelled booking reads cancelled on its request and its hold too (issue 20).
-- AlterEnum
ALTER TYPE "BookingRequestStatus" ADD VALUE 'cancelled';

-- AlterEnum
ALTER TYPE "HoldStatus" ADD VALUE 'cancelled';
